"""CSV for spreadsheets, with cells a spreadsheet would run as a formula neutralised (CSV injection).

Every CSV the service writes goes through `writer`. OWASP's rule: a cell that starts with `=`, `+`, `-`, `@`, a
tab or a carriage return is taken by Excel, LibreOffice and Google Sheets as a formula (`=HYPERLINK(...)` leaks
the sheet, `+cmd|' /C calc'!A0` runs a program through DDE); prefixing it with a single quote makes it text.
`defusedcsv` (by pretix's author, who uses it for pretix's exports) applies it to `= + - @ | %`, leaving numbers
such as `-12.50` alone; it does not cover a leading tab or carriage return, which this module adds, so the rule
has this one home.
"""
from defusedcsv import csv as defused_csv
from django.http import HttpResponse

# Leading characters OWASP lists that defusedcsv does not escape.
_LEADING_WHITESPACE_FORMULA = ("\t", "\r")


def spreadsheet_text(value):
    """The value as a spreadsheet reads it as text: a cell starting with a tab or CR gets defusedcsv's quote."""
    if isinstance(value, str) and value.startswith(_LEADING_WHITESPACE_FORMULA):
        return "'" + value
    return value


class _Writer:
    def __init__(self, out):
        self._writer = defused_csv.writer(out)

    def writerow(self, row):
        return self._writer.writerow([spreadsheet_text(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(out) -> _Writer:
    """A csv.writer over `out` whose cells cannot run in a spreadsheet."""
    return _Writer(out)


def download(text: str, filename: str) -> HttpResponse:
    """CSV text as a file the browser saves (`filename`), the one shape of every CSV download."""
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
