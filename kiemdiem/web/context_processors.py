from django.utils.functional import SimpleLazyObject

from kiemdiem.accounts.policies import may_manage_access
from kiemdiem.audit.policies import may_read_log
from kiemdiem.common.memo import user_memo
from kiemdiem.decisions import policies as decision_policies
from kiemdiem.documents import policies as document_policies
from kiemdiem.imports.policies import may_open
from kiemdiem.notifications.services import unread_count
from kiemdiem.opinions import policies as opinion_policies
from kiemdiem.opinions import selectors as opinion_selectors
from kiemdiem.register.policies import may_list as may_read_register


def navigation(request):
    """The site menu: which entries the signed-in user can use (computed only when a page
    asks, then kept as a memo of the user: ``common.memo``), as the policies of the apps behind
    them answer."""
    user = getattr(request, "user", None)

    def flags():
        if user is None or not user.is_authenticated:
            return {
                "audit": False,
                "access": False,
                "imports": False,
                "documents": False,
                "register": False,
                "unread": 0,
                "decides": False,
                "asked": False,
                "peers": False,
                "who": "",
            }
        return {
            # the name in the header (the person's, else the login)
            "who": user.person.full_name if user.person_id else user.username,
            "audit": may_read_log(user),
            "access": may_manage_access(user),
            "imports": may_open(user),
            "documents": document_policies.may_open(user),
            "register": may_read_register(user),
            "unread": unread_count(user),
            # a decision maker somewhere: the complaints queue, a unit's results page
            "decides": decision_policies.may_decide_somewhere(user),
            # opinions asked of the user's units or of them; comrades to comment on
            "asked": opinion_policies.answerable(user).exists(),
            "peers": opinion_selectors.peer_subjects(user).exists(),
        }

    return {"nav": SimpleLazyObject(lambda: user_memo(request, "nav", flags))}
