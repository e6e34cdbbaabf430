"""``desk-createsuperuser INI``: create the account that administers Desk.

Interactive by default: asks for the username, an optional email and the password (twice,
without echo), and asks again when an answer is refused, as the API would refuse it. For
scripts, ``--username U [--email E] --password-stdin`` reads the password as one line from
standard input and asks nothing; any refused value is then an error::

    printf '%s\\n' "$PASSWORD" | desk-createsuperuser production.ini \\
        --username admin --email admin@example.com --password-stdin

The superuser gets ``role=OPERATOR`` and ``is_superuser=True``. ``is_superuser`` alone grants
every permission through the root ACL (``group:superusers``); the operator role is added so
that the lists and filters built for operators (all tickets, executors to assign) treat the
superuser as one of them, and so that the account reads the same whichever check a view makes.

Exit status: 0 when the superuser was created; 1 when a value is refused (username taken in
any letter case, invalid username or email, weak password), input ends early, or the
database fails; 2 for a wrong command line. Messages go to stderr, never as a traceback.
"""

import argparse
import getpass
import sys

import colander

from .. import schemas
from ..accounts import create_user, find_user
from ..exceptions import Conflict
from ..models import Role
from ..passwords import password_problem
from . import ScriptError, bootstrapped, check_ini, describe, fail

PROG = "desk-createsuperuser"


class Refused(ScriptError):
    """A value that the API would refuse too; asked again when interactive."""


def parser() -> argparse.ArgumentParser:
    """The command line: the ini file, and the answers that make it non-interactive."""
    result = argparse.ArgumentParser(
        prog=PROG,
        description="Create a superuser (role OPERATOR, is_superuser) in the ini's database.",
    )
    result.add_argument("config_uri", metavar="INI", help="the ini file, e.g. development.ini")
    result.add_argument("--username", help="do not ask for the username")
    result.add_argument("--email", help="do not ask for the email (optional, may be empty)")
    result.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password as one line from standard input; needs --username",
    )
    return result


def check_username(username: str) -> str:
    """``username`` when the API would accept it at registration, else ``Refused``."""
    node = colander.SchemaNode(
        colander.String(), name="username", validator=schemas.validate_username
    )
    try:
        return node.deserialize(username)
    except colander.Invalid as exc:
        raise Refused(f"username: {'; '.join(exc.messages())}") from None


def check_email(email: str) -> str:
    """``email`` normalised as the API stores it; empty is allowed, as at registration."""
    email = email.strip()
    if not email:
        return ""
    try:
        return schemas.email_node(name="email").deserialize(email)
    except colander.Invalid as exc:
        raise Refused(f"email: {'; '.join(exc.messages())}") from None


def check_password(password: str, username: str) -> str:
    """``password`` when ``desk.passwords.password_problem`` has nothing against it."""
    problem = password_problem(password, username)
    if problem:
        raise Refused(f"password: {problem}")
    return password


def read_password_line() -> str:
    """One line from stdin without its line ending; an empty stream is an error."""
    line = sys.stdin.readline()
    if not line:
        raise ScriptError("no password on standard input")
    return line.removesuffix("\n").removesuffix("\r")


def ask(prompt: str, check, read=input):
    """Ask until ``check`` accepts the answer, explaining each refusal on stderr."""
    while True:
        try:
            return check(read(prompt))
        except Refused as exc:
            print(f"Error: {exc}", file=sys.stderr)


def ask_password(username: str) -> str:
    """A password typed twice without echo, checked like the API checks it."""

    def read(_prompt: str) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise Refused("the two passwords differ")
        return first

    return ask("", lambda password: check_password(password, username), read=read)


def username_taken(request, username: str) -> bool:
    """Whether ``username`` is taken in any letter case (a short read transaction)."""
    with request.tm:
        return find_user(request.dbsession, username) is not None


def gather(args: argparse.Namespace, request) -> tuple[str, str, str]:
    """Username, email and password, from the options and (unless scripted) the terminal."""

    def available(username: str) -> str:
        username = check_username(username)
        if username_taken(request, username):
            raise Refused(f"username: {username!r} is already taken")
        return username

    interactive = not args.password_stdin
    if args.username is not None:
        username = available(args.username)
    else:
        username = ask("Username: ", available)
    if args.email is not None:
        email = check_email(args.email)
    elif interactive:
        email = ask("Email address (optional): ", check_email)
    else:
        email = ""
    if interactive:
        password = ask_password(username)
    else:
        password = check_password(read_password_line(), username)
    return username, email, password


def create_superuser(request, username: str, email: str, password: str) -> int:
    """Create the superuser in one transaction; its id. A taken username raises ``Refused``."""
    try:
        with request.tm:
            user = create_user(
                request.dbsession,
                request.registry["passwords"],
                username=username,
                password=password,
                email=email,
                role=Role.OPERATOR.value,
                is_superuser=True,
            )
            user_id = user.id
    except Conflict as exc:
        # Taken between the check and the insert: the same answer as the check's.
        raise Refused(f"username: {username!r} is already taken") from exc
    return user_id


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``desk-createsuperuser``; returns the exit status."""
    cli = parser()
    try:
        args = cli.parse_args(argv)
        if args.password_stdin and args.username is None:
            cli.error("--password-stdin needs --username")
        check_ini(cli, args.config_uri)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        with bootstrapped(args.config_uri) as env:
            request = env["request"]
            username, email, password = gather(args, request)
            user_id = create_superuser(request, username, email, password)
    except (EOFError, KeyboardInterrupt):
        print(file=sys.stderr)
        return fail(PROG, "cancelled, no user created")
    except Exception as exc:
        return fail(PROG, describe(exc))
    print(f"Superuser {username!r} created (id {user_id}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
