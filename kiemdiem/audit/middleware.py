from kiemdiem.audit.context import bind_request_id, reset_request_id


class RequestIdMiddleware:
    """Give each request an id so that its audit entries can be grouped."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = bind_request_id()
        try:
            return self.get_response(request)
        finally:
            reset_request_id(token)
