"""The OpenAPI schema documents the refusals as well as the successes.

drf-spectacular describes each operation's success response only; a client (or a
contract test) then meets 400, 403, 404, 409 or 422 answers the schema never
mentioned. Every refusal leaves through ``casework.api.errors.exception_handler`` in
one shape, so this schema class adds that shape, ``Error``, under the status codes the
operation can give: authentication and permission for all, not found where the path
names an object, bad input for writes and filtered reads, conflict and refusal for
writes, throttling where the view throttles.
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """What every refused request answers (``casework.api.errors``): ``detail`` says why
    in the user's language (a list when several checks failed); ``code`` names the
    refusal for programs (``duplicate``, ``task_closed``, ...); a field that failed
    validation appears as its own key with its messages."""

    detail = serializers.JSONField(required=False, help_text="Why the request was refused.")
    code = serializers.CharField(required=False, help_text="A stable name of the refusal.")

    class Meta:
        ref_name = "Error"


WRITES = ("POST", "PUT", "PATCH", "DELETE")
DESCRIPTIONS = {
    "400": "The input is invalid: the message names the field.",
    "401": "No valid credentials were sent.",
    "403": "The user may not do this (role, area or separation of duties).",
    "404": "No such object in the user's area.",
    "409": "The case or task moved on (already decided, closed, busy).",
    "413": "The request body is larger than the limit (DATA_UPLOAD_MAX_MEMORY_SIZE).",
    "415": "The request body's media type is not accepted.",
    "422": "The application is refused (duplicate, program closed, budget exhausted).",
    "429": "Too many requests: try again later.",
}


class CaseworkAutoSchema(AutoSchema):
    """``AutoSchema`` plus the error responses of ``casework.api.errors``."""

    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method in WRITES:
            codes += ["409", "413", "415", "422"]
        if getattr(self.view, "throttle_classes", None):
            codes.append("429")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                body = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                body["description"] = DESCRIPTIONS[code]
                responses[code] = body
        return responses
