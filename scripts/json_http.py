"""One JSON request to the service, for the scripts and the bench that drive it from outside (make bench, chaos,
cluster, slowloris): the same request shape everywhere, written once."""
import http.client
import json
from typing import NamedTuple


class Answer(NamedTuple):
    status: int
    data: object  # the parsed JSON body, or None (empty, or not JSON)
    raw: bytes
    headers: dict  # lower-case names


def call(host: str, port: int, method: str, path: str, body=None, *, token: str | None = None,
         headers: dict | None = None, timeout: float = 30) -> Answer:
    """Send `body` as JSON with an optional bearer `token`; raises OSError if the service cannot be reached."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = None
    return Answer(response.status, data, raw, answer_headers)
