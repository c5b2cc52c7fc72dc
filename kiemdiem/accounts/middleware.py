from django.utils import translation


class UserLanguageMiddleware:
    """Use the signed-in user's chosen language (set before LocaleMiddleware runs).

    The session's language, when the language switcher set one, wins over the stored one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return None
