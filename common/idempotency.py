"""HTTP side of idempotent POSTs: the `Idempotency-Key` header, one decorator for the views that accept it.

The rules (claim, replay, reuse, in progress) are in `common.services.idempotency`; this module only reads the
header, fingerprints the request and turns the view's outcome into a stored response.
"""
import contextlib
import functools

from django.db import transaction
from django.http import HttpResponse

from common.errors import IdempotencyKeyInvalid
from common.services import idempotency as idempotency_service

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"



def idempotent(view_method=None, *, atomic: bool = True):
    """Make a DRF view's POST handler honour `Idempotency-Key`.

    Responses below 500 (successes and domain/validation errors) are stored and replayed: retrying them would give
    the same answer or, worse, a different one for the same attempt. A 5xx (a bug, or 503 busy) and a 429 ("not
    now": e.g. queue_required, a pass from the waiting room is needed first) delete the key, so the client's retry
    runs the request again.

    `atomic=False` (POST /orders/) runs the view outside the outer transaction, because the view calls a payment
    provider over the network after its service committed, and an outer transaction would keep the show's row
    lock (taken by the service) for the length of that call. The stored response is then written after the work
    committed; should the process die in between, the key stays "in progress" and a retry after the in-progress
    timeout finds the hold already used by the order (404) rather than making a second order.
    """
    if view_method is None:
        return functools.partial(idempotent, atomic=atomic)

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(view, request, *args, **kwargs)
        if not 1 <= len(key) <= idempotency_service.MAX_KEY_LENGTH:
            raise IdempotencyKeyInvalid()
        fingerprint = idempotency_service.request_fingerprint(method=request.method, path=request.path,
                                                              body=request.data)
        claim = idempotency_service.idempotency_key_claim(user=request.user, key=key, fingerprint=fingerprint)
        if claim.replay:
            return HttpResponse(claim.response_body, status=claim.response_status, content_type="application/json",
                                headers={REPLAYED_HEADER: "true"})
        try:
            # The request's work and its stored response commit together (the service's own transaction becomes
            # a savepoint inside this one). Were the process to die between them, neither is kept: the key stays
            # "in progress" with no booking behind it, and the retry after the in-progress timeout runs afresh,
            # instead of finding seats it booked itself and answering 409.
            with transaction.atomic() if atomic else contextlib.nullcontext():
                response = _response_of(view_method, view, request, *args, **kwargs)
                if _retry_later(response):
                    # Keep nothing a failed request may have written; the key is released below.
                    if atomic:
                        transaction.set_rollback(True)
                else:
                    # Rendered here, as the client will receive it, so the replay is the same bytes. DRF skips
                    # rendering a response that is already rendered, so the first answer is not rendered twice.
                    view.finalize_response(request, response, *args, **kwargs)
                    response.render()
                    idempotency_service.idempotency_key_store(record=claim.record, status=response.status_code,
                                                              body=response.content.decode())
        except BaseException:
            idempotency_service.idempotency_key_release(record=claim.record)
            raise
        if _retry_later(response):
            idempotency_service.idempotency_key_release(record=claim.record)
        return response

    # The API description documents the header and its errors for the operations that accept it (common.schema).
    wrapper.accepts_idempotency_key = True
    return wrapper


def _retry_later(response) -> bool:
    """An answer that tells the client to try again (5xx, 429): not the outcome of the attempt, so not kept."""
    return response.status_code >= 500 or response.status_code == 429


def _response_of(view_method, view, request, *args, **kwargs):
    """The view's response, with an exception turned into its error response as DRF would."""
    try:
        return view_method(view, request, *args, **kwargs)
    except Exception as exc:
        return view.handle_exception(exc)
