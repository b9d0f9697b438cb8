"""Request/response test interface layer (requester side), in the charms.reactive 1.x idiom."""

from charmhelpers.core import hookenv

from charms.reactive import when
from charms.reactive.patterns.request_response import (
    BaseRequest,
    BaseResponse,
    Field,
    RequesterEndpoint,
)


class TaskResponse(BaseResponse):
    result = Field("What the responder made of the job.")


class TaskRequest(BaseRequest):
    RESPONSE_CLASS = TaskResponse
    job = Field("The job to run.")


class EpTaskRequires(RequesterEndpoint):
    REQUEST_CLASS = TaskRequest

    @when("endpoint.{endpoint_name}.joined")
    def ask(self):
        """Ask for the jobs in config ``jobs``, one request each (matched by job)."""
        for relation in self.relations:
            for job in hookenv.config("jobs").split():
                if TaskRequest.find(relation, job=job) is None:
                    TaskRequest.create(relation, job=job, request_id="req-" + job)

    def summary(self):
        """``[request_id, job, result or None]`` of every request, in the order given."""
        return [
            [r.request_id, r.job, r.response.result if r.response else None] for r in self.requests
        ]
