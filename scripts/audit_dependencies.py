"""Audit the runtime dependencies (requirements.txt, resolved with their own dependencies) with pip-audit.

Fails (exit 1) on any known vulnerability that is not listed in IGNORED below with a reason. pip-audit alone
reports "No known vulnerabilities found" even when it could not look a single package up (no vulnerability
service reachable, as on a machine whose package index is a mirror without PyPI's JSON API); this says so
loudly instead, and fails too when PIP_AUDIT_STRICT=1.
"""
import json
import os

# bandit: subprocess runs pip-audit with a fixed argument list, no shell.
import subprocess  # nosec B404
import sys

# Vulnerability ids deliberately accepted, each with the reason. Empty: nothing is accepted today.
IGNORED: dict[str, str] = {}


def main() -> int:
    command = [sys.executable, "-m", "pip_audit", "-r", "requirements.txt", "-f", "json", "--progress-spinner", "off"]
    for vuln_id in IGNORED:
        command += ["--ignore-vuln", vuln_id]
    # A fixed argument list and no shell.
    result = subprocess.run(command, capture_output=True, text=True)  # nosec B603
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stdout, result.stderr, sep="\n")
        print("pip-audit failed to run", file=sys.stderr)
        return 1

    dependencies = report["dependencies"]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "none yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixes})")
    print(f"pip-audit: {len(dependencies)} dependencies, {audited} audited, {len(skipped)} not audited, "
          f"{len(vulnerable)} vulnerable")
    if vulnerable:
        return 1
    if skipped:
        print(f"WARNING: {len(skipped)} dependencies could not be audited; first reason: "
              f"{skipped[0]['skip_reason']}", file=sys.stderr)
        if audited == 0:
            print("WARNING: no vulnerability service was reachable: NOTHING WAS AUDITED.", file=sys.stderr)
        if os.environ.get("PIP_AUDIT_STRICT") == "1":
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
