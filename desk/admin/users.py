"""The users' admin: find people, change their role or status, set a password, add someone.

Every change goes through ``desk.accounts``, as ``PATCH /api/users/{id}/`` does: a
deactivation or a new password ends the user's sessions (tokens and admin alike).
"""

from collections.abc import Callable

import colander
from pyramid.request import Request
from pyramid.security import remember
from sqlalchemy import select

from .. import accounts
from ..exceptions import Conflict, DeskError, InvalidInput
from ..i18n import N_, _
from ..models import Role, User
from ..passwords import password_problem
from ..permissions import Permission
from ..queries import USER_SORT_KEYS
from ..schemas import (
    Choice,
    RegisterBody,
    UserPatchBody,
    text,
)
from . import audit, forms
from .i18n import translator
from .registry import BulkAction, BulkOutcome, Column, Filter, ModelAdmin, Panel, RowAction


def role_choices(request: Request) -> list[tuple[str, str]]:
    _ = translator(request)
    return [(role.value, _(role.value)) for role in Role]


def yes_no(request: Request) -> list[tuple[str, str]]:
    _ = translator(request)
    return [("true", _("Yes")), ("false", _("No"))]


def is_true(value: str) -> bool:
    return value == "true"


#: The API's orderings and the other columns; the id breaks ties. People number in the
#: thousands, not millions: these sort in memory, with no index of their own.
ORDERINGS = {
    **USER_SORT_KEYS,
    "email": (User.email, User.id),
    "role": (User.role, User.id),
    "is_active": (User.is_active, User.id),
    "is_superuser": (User.is_superuser, User.id),
}


def role_label(request: Request, user: User) -> str:
    return translator(request)(user.role)


def email_node(**kw) -> colander.SchemaNode:
    # Left blank, a form sends "": no address, as the API's optional email.
    return text(
        strip=True,
        validator=colander.All(colander.Length(max=254), colander.Email()),
        missing="",
        widget="email",
        autocomplete="off",
        **kw,
    )


def role_node(**kw) -> colander.SchemaNode:
    return colander.SchemaNode(Choice(Role), title=N_("Role"), choices=role_choices, **kw)


def checkbox(title: str, **kw) -> colander.SchemaNode:
    return colander.SchemaNode(colander.Boolean(), title=title, missing=False, **kw)


#: The API's UserPatchBody. A form sends every field: an unchecked box is false, a blank
#: name or email is "" (no address), where the API's JSON leaves a field out.
UserEditForm = forms.derived(
    UserPatchBody,
    role={"title": N_("Role"), "choices": role_choices, "missing": colander.required},
    is_active={
        "title": N_("Is active"),
        "missing": False,
        "help": N_("An inactive user can neither log in nor use a token issued before."),
    },
    is_superuser={"title": N_("Superuser"), "missing": False},
    first_name={"title": N_("First name"), "missing": ""},
    last_name={"title": N_("Last name"), "missing": ""},
    email={"title": N_("Email"), "missing": "", "widget": "email", "autocomplete": "off"},
)


def password_node(title: str, autocomplete: str = "new-password") -> colander.SchemaNode:
    return text(title=title, widget="password", autocomplete=autocomplete)


#: The API's RegisterBody (username and password rules, the strength check against the
#: username), plus what only a superuser sets: active, superuser.
UserCreateForm = forms.derived(
    RegisterBody,
    extra=lambda: [
        checkbox(N_("Is active"), default=True, name="is_active"),
        checkbox(N_("Superuser"), name="is_superuser"),
    ],
    username={
        "title": N_("Username"),
        "help": N_("Letters, digits and @ . + - _ only."),
        "autocomplete": "off",
    },
    password={"title": N_("Password"), "widget": "password", "autocomplete": "new-password"},
    first_name={"title": N_("First name"), "missing": ""},
    last_name={"title": N_("Last name"), "missing": ""},
    email={"title": N_("Email"), "missing": "", "widget": "email", "autocomplete": "off"},
    role={
        "title": N_("Role"),
        "choices": role_choices,
        "default": Role.REQUESTER.value,
        "missing": colander.required,
    },
)


class PasswordForm(colander.MappingSchema):
    password = password_node(N_("New password"))
    password_again = password_node(N_("New password (again)"))

    def validator(self, node, value):
        if value["password"] != value["password_again"]:
            error = colander.Invalid(node)
            error["password_again"] = N_("The two passwords differ.")
            raise error


def save_user(request: Request, user: User, values: dict) -> str:
    """As ``PATCH /api/users/{id}/``: deactivating someone ends their sessions."""
    audit.administer(request, user, values)
    return translator(request)("User saved.")


def create_user(request: Request, values: dict) -> User:
    """A new account; a username taken in any letter case is refused (409)."""
    user = accounts.create_user(request.dbsession, request.registry["passwords"], **values)
    request.dbsession.flush()
    audit.record(request, user, "created", {"role": user.role})
    return user


def set_password(request: Request, user: User, values: dict) -> None:
    """A new password chosen by a superuser: every session of the user ends."""
    problem = password_problem(values["password"], user.username)
    if problem:
        raise InvalidInput("password", problem)
    user.password_hash = request.registry["passwords"].hash(values["password"])
    accounts.revoke_all_sessions(request.dbsession, user)
    audit.record(request, user, "password_set")
    if user.id == request.authenticated_userid:
        # Their own password: their other sessions end, this one carries on.
        remember(request, user.id)


class NoValues(colander.MappingSchema):
    """A bulk action that needs nothing but the rows."""


class RoleForm(colander.MappingSchema):
    role = role_node()


def each_user(change: Callable[[Request, User, dict], None]):
    """A bulk action that applies ``change`` to each user in a savepoint of its own."""

    def run(request: Request, ids: list[int], values: dict) -> list[BulkOutcome]:
        _ = translator(request)
        users = {
            user.id: user
            for user in request.dbsession.scalars(select(User).where(User.id.in_(ids)))
        }
        outcomes = []
        for user_id in ids:
            user = users.get(user_id)
            if user is None:
                outcomes.append(BulkOutcome(user_id, f"#{user_id}", False, _("No such user.")))
                continue
            try:
                with request.dbsession.begin_nested():
                    change(request, user, values)
            except DeskError as error:
                outcomes.append(BulkOutcome(user_id, user.username, False, _(error.detail)))
            else:
                outcomes.append(BulkOutcome(user_id, user.username, True, ""))
        return outcomes

    return run


def activate(request: Request, user: User, values: dict) -> None:
    audit.administer(request, user, {"is_active": True})


def deactivate(request: Request, user: User, values: dict) -> None:
    """As the edit page: their sessions end. Not oneself, which would end this session."""
    if user.id == request.authenticated_userid:
        raise Conflict(_("You cannot deactivate yourself."))
    audit.administer(request, user, {"is_active": False})


def set_role(request: Request, user: User, values: dict) -> None:
    audit.administer(request, user, {"role": values["role"]})


USERS = ModelAdmin(
    name="users",
    model=User,
    label=N_("Users"),
    label_singular=N_("User"),
    permission=Permission.USER_ADMIN,
    title=lambda user: user.username,
    columns=(
        Column("username", N_("Username"), sort="username", link=True),
        Column("email", N_("Email"), sort="email"),
        Column("role", N_("Role"), display=role_label, sort="role"),
        Column("is_active", N_("Is active"), sort="is_active"),
        Column("is_superuser", N_("Superuser"), sort="is_superuser"),
        Column("date_joined", N_("Date joined"), sort="date_joined"),
    ),
    filters=(
        Filter("role", N_("Role"), User.role, role_choices),
        Filter("is_active", N_("Is active"), User.is_active, yes_no, convert=is_true),
        Filter("is_superuser", N_("Superuser"), User.is_superuser, yes_no, convert=is_true),
    ),
    search_fields=(User.username, User.email, User.first_name, User.last_name),
    orderings=ORDERINGS,
    default_ordering="username",
    readonly_fields=(
        Column("id", N_("ID")),
        Column("username", N_("Username")),
        Column("date_joined", N_("Date joined")),
    ),
    edit_schema=UserEditForm,
    save=save_user,
    create_schema=UserCreateForm,
    create=create_user,
    bulk_actions=(
        BulkAction("activate", N_("Activate"), NoValues, each_user(activate)),
        BulkAction("deactivate", N_("Deactivate"), NoValues, each_user(deactivate)),
        BulkAction("role", N_("Set role"), RoleForm, each_user(set_role)),
    ),
    panels=(Panel(N_("Recent actions"), "panel_audit.jinja2", audit.recent_actions),),
    actions=(
        RowAction(
            "password",
            N_("Set password"),
            PasswordForm,
            set_password,
            done=N_("Password set; the user's sessions have ended."),
            intro=N_("Setting a password ends every session of this user (tokens and admin)."),
        ),
    ),
)
