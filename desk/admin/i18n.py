"""English and Russian labels for the admin, chosen by the browser's Accept-Language.

Messages are their English text; a locale's catalog maps them to its own. A message
missing from a catalog shows in English, so a new label never breaks a page. A few
messages that the domain composes (``Cannot cancel a ticket whose status is DONE.``) are
matched by pattern, their parts translated one by one.
"""

import re
from string import Template

from pyramid.request import Request

LOCALES = ("en", "ru")
DEFAULT_LOCALE = "en"

#: English display names of the domain's codes; everything else is already English.
EN = {
    "NEW": "New",
    "ASSIGNED": "Assigned",
    "IN_PROGRESS": "In progress",
    "WAITING": "Waiting for the requester",
    "DONE": "Done",
    "CANCELLED": "Cancelled",
    "LOW": "Low",
    "NORMAL": "Normal",
    "HIGH": "High",
    "URGENT": "Urgent",
    "REQUESTER": "Requester",
    "OPERATOR": "Operator",
    "EXECUTOR": "Executor",
    "created": "Created",
    "edited": "Edited",
    "assigned": "Assigned",
    "status_changed": "Status changed",
    "cancelled": "Cancelled",
    "commented": "Commented",
    "attachment_added": "File attached",
    "attachment_removed": "File removed",
    "audit:created": "Created",
    "audit:edited": "Edited",
    "audit:password_set": "Password set",
    "role": "Role",
    "is_active": "Is active",
    "is_superuser": "Superuser",
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "action:assign": "assign",
    "action:cancel": "cancel",
    "action:prioritize": "change the priority of",
    "action:edit": "edit",
    "action:start": "start",
    "action:execute": "execute",
    "sla:pending": "pending",
    "sla:met": "met",
    "sla:breached": "breached",
}

RU = {
    # domain codes
    "NEW": "Новая",
    "ASSIGNED": "Назначена",
    "IN_PROGRESS": "В работе",
    "WAITING": "Ждёт ответа заявителя",
    "DONE": "Выполнена",
    "CANCELLED": "Отменена",
    "LOW": "Низкий",
    "NORMAL": "Обычный",
    "HIGH": "Высокий",
    "URGENT": "Срочный",
    "REQUESTER": "Заявитель",
    "OPERATOR": "Оператор",
    "EXECUTOR": "Исполнитель",
    # frame and navigation
    "Desk admin": "Desk: администрирование",
    "Skip to content": "Перейти к содержимому",
    "Main navigation": "Главное меню",
    "Dashboard": "Сводка",
    "Users": "Пользователи",
    "User": "Пользователь",
    "Tickets": "Заявки",
    "Ticket": "Заявка",
    "Log out": "Выйти",
    "Logged in as {username}": "Вы вошли как {username}",
    "Messages": "Сообщения",
    # login
    "Log in": "Войти",
    "Log in to the admin": "Вход в администрирование",
    "Username": "Имя пользователя",
    "Password": "Пароль",
    "Only superusers may use the admin.": "Администрирование доступно только суперпользователям.",
    "Please enter a correct username and password.": (
        "Введите правильные имя пользователя и пароль."
    ),
    "Too many failed logins; try again in {seconds} seconds.": (
        "Слишком много неудачных попыток входа; повторите через {seconds} с."
    ),
    "You have been logged out.": "Вы вышли из системы.",
    "This page was opened over plain HTTP, but the admin's session cookie is Secure: the "
    "browser will not keep it, and logging in will bring you back here. Open the admin over "
    "HTTPS, or set desk.admin.secure_cookie = false (DESK_ADMIN_SECURE_COOKIE=false) on a "
    "trusted network.": (
        "Страница открыта по обычному HTTP, а cookie сессии админки помечена Secure: браузер "
        "её не сохранит, и вход вернёт вас на эту страницу. Откройте админку по HTTPS или "
        "задайте desk.admin.secure_cookie = false (DESK_ADMIN_SECURE_COOKIE=false) в "
        "доверенной сети."
    ),
    # dashboard
    "Tickets by status": "Заявки по статусам",
    "Newest tickets": "Новые заявки",
    "Users by role": "Пользователи по ролям",
    "All tickets": "Все заявки",
    "All users": "Все пользователи",
    "Total": "Всего",
    "Active": "Активные",
    "No tickets yet.": "Заявок пока нет.",
    # lists
    "Search": "Поиск",
    "Filter": "Отфильтровать",
    "Reset": "Сбросить",
    "All": "Все",
    "Yes": "Да",
    "No": "Нет",
    "Filters": "Фильтры",
    "Sort by {column}": "Сортировать по: {column}",
    "Actions": "Действия",
    "Nothing found.": "Ничего не найдено.",
    "{count} found": "Найдено: {count}",
    "Page {page} of {pages}": "Страница {page} из {pages}",
    "Pages": "Страницы",
    "Previous": "Назад",
    "Next": "Вперёд",
    "Add {model}": "Добавить: {model}",
    "Open": "Открыть",
    # detail and forms
    "Edit": "Изменить",
    "Save": "Сохранить",
    "Back": "Назад",
    "Back to the list": "К списку",
    "Details": "Подробности",
    "Please correct the errors below.": "Исправьте ошибки ниже.",
    "Saved.": "Сохранено.",
    "Required": "Обязательное поле",
    "Required.": "Обязательное поле.",
    "(optional)": "(необязательно)",
    "Not set": "Не задано",
    "Shorter than minimum length ${min}": "Короче минимальной длины (${min})",
    "Longer than maximum length ${max}": "Длиннее максимальной длины (${max})",
    '"${val}" is not a number': "«${val}» не число",
    "Invalid email address": "Неверный адрес электронной почты",
    "Must be one of: {names}.": "Допустимые значения: {names}.",
    # users
    "ID": "ID",
    "Email": "Эл. почта",
    "First name": "Имя",
    "Last name": "Фамилия",
    "Role": "Роль",
    "Is active": "Активен",
    "Superuser": "Суперпользователь",
    "Date joined": "Дата регистрации",
    "Set password": "Задать пароль",
    "New password": "Новый пароль",
    "New password (again)": "Новый пароль (ещё раз)",
    "The two passwords differ.": "Пароли не совпадают.",
    "Password set; the user's sessions have ended.": (
        "Пароль задан; все сеансы пользователя завершены."
    ),
    "Setting a password ends every session of this user (tokens and admin).": (
        "Новый пароль завершает все сеансы пользователя (токены и администрирование)."
    ),
    "User saved.": "Пользователь сохранён.",
    "An inactive user can neither log in nor use a token issued before.": (
        "Неактивный пользователь не может войти и не может пользоваться выданными токенами."
    ),
    "Letters, digits and @ . + - _ only.": "Только буквы, цифры и @ . + - _",
    "1 to 150 characters: letters, digits and @ . + - _ only.": (
        "От 1 до 150 символов: буквы, цифры и @ . + - _"
    ),
    "A user with that username already exists.": "Пользователь с таким именем уже существует.",
    "Must be at least 8 characters.": "Не короче 8 символов.",
    "Must be at most 1024 characters.": "Не длиннее 1024 символов.",
    "Must not be entirely numeric.": "Не может состоять только из цифр.",
    "Must not be the same as the username.": "Не может совпадать с именем пользователя.",
    # tickets
    "Title": "Тема",
    "Description": "Описание",
    "Status": "Статус",
    "Priority": "Приоритет",
    "Requester": "Заявитель",
    "Executor": "Исполнитель",
    "Created": "Создана",
    "Updated": "Изменена",
    "Assigned at": "Время назначения",
    "Completed at": "Время завершения",
    "Newest first": "Сначала новые",
    "Comments": "Комментарии",
    "History": "История",
    "No comments.": "Комментариев нет.",
    "Attachments": "Вложения",
    "No attachments.": "Вложений нет.",
    "File": "Файл",
    "Type": "Тип",
    "Size": "Размер",
    "attachment_added": "Файл приложен",
    "attachment_removed": "Файл удалён",
    "Internal note": "Внутренняя заметка",
    "Reassign": "Переназначить",
    "Assign": "Назначить",
    "Cancel ticket": "Отменить заявку",
    "Change priority": "Изменить приоритет",
    "Reason": "Причина",
    "Ticket reassigned.": "Заявка переназначена.",
    "Ticket cancelled.": "Заявка отменена.",
    "Priority changed.": "Приоритет изменён.",
    "The priority is already {priority}: nothing changed.": (
        "Приоритет уже {priority}: ничего не изменилось."
    ),
    "Choose an active executor; the ticket becomes Assigned.": (
        "Выберите активного исполнителя; заявка перейдёт в статус «Назначена»."
    ),
    "Cancelling is final; the executor keeps seeing the ticket.": (
        "Отмена окончательна; исполнитель по-прежнему видит заявку."
    ),
    "Open tickets only (New, Assigned, In progress, Waiting).": (
        "Только открытые заявки (новые, назначенные, в работе, ждущие ответа)."
    ),
    "Must be the id of an active executor.": "Нужен активный исполнитель.",
    "Must be an integer.": "Нужно целое число.",
    "Cannot {action} a ticket whose status is {status}.": (
        "Действие «{action}» недоступно для заявки в статусе «{status}»."
    ),
    "action:assign": "назначение",
    "action:cancel": "отмена",
    "action:prioritize": "смена приоритета",
    "action:edit": "изменение",
    "action:start": "начало работы",
    "action:execute": "выполнение",
    "none": "нет",
    # history
    "When": "Когда",
    "Who": "Кто",
    "What": "Что",
    "created": "Создана",
    "edited": "Изменена",
    "assigned": "Назначена",
    "status_changed": "Смена статуса",
    "cancelled": "Отменена",
    "commented": "Комментарий",
    "reason: {reason}": "причина: {reason}",
    "comment #{id}": "комментарий №{id}",
    "internal": "внутренний",
    # charts
    "Charts": "Графики",
    "Day": "День",
    "Median": "Медиана",
    "Median time to resolution per priority": "Медианное время решения по приоритетам",
    "No open ticket is assigned.": "Ни одна открытая заявка не назначена.",
    "Open backlog by status": "Открытые заявки по статусам",
    "Open tickets per executor": "Открытые заявки по исполнителям",
    "Opened and closed per day, last 30 days": "Открыто и закрыто по дням за 30 дней",
    "Tickets created in the last 30 days and done, from filing to done.": (
        "Заявки, созданные за последние 30 дней и выполненные: от подачи до выполнения."
    ),
    "The numbers": "Числа",
    "opened": "открыто",
    "closed (done or cancelled)": "закрыто (выполнено или отменено)",
    "max {count}": "макс. {count}",
    "{hours} h": "{hours} ч",
    # tickets from the admin
    "Add a comment": "Добавить комментарий",
    "Comment": "Комментарий",
    "Comment added.": "Комментарий добавлен.",
    "Seen by operators and executors only, never by the requester.": (
        "Видят только операторы и исполнители, заявитель — никогда."
    ),
    "The requester's id: type a username to choose one.": (
        "Номер заявителя: начните вводить имя пользователя, чтобы выбрать."
    ),
    "Must be the id of an active requester.": "Должен быть номер активного заявителя.",
    # events and type-ahead
    "Events": "События",
    "Event": "Событие",
    "Ticket (id)": "Заявка (номер)",
    "Who (user id)": "Кто (номер пользователя)",
    "The executor's id: type a username to choose one.": (
        "Номер исполнителя: начните вводить имя пользователя, чтобы выбрать."
    ),
    # audit
    "audit:created": "Создан",
    "audit:edited": "Изменён",
    "audit:password_set": "Задан пароль",
    "role": "Роль",
    "is_active": "Активен",
    "is_superuser": "Суперпользователь",
    "email": "Эл. почта",
    "first_name": "Имя",
    "last_name": "Фамилия",
    "role: {role}": "роль: {role}",
    "Recent actions": "Последние действия",
    "No actions recorded yet.": "Действий пока не записано.",
    "Go to page": "Перейти на страницу",
    "Go": "Перейти",
    # exports and date ranges
    "Export": "Выгрузить",
    "from": "с",
    "to": "по",
    # bulk actions
    "Bulk actions": "Групповые действия",
    "Action": "Действие",
    "Apply": "Применить",
    "Apply to": "Применить к",
    "the rows checked below": "отмеченным ниже строкам",
    "all {count} on this page": "всем {count} на этой странице",
    "all {count} matching the filter": "всем {count}, подходящим под фильтр",
    "Select all on this page": "Выбрать все на этой странице",
    "Select {row}": "Выбрать {row}",
    "Select at least one row.": "Выберите хотя бы одну строку.",
    "Choose an action to apply.": "Выберите действие.",
    "{count} rows chosen.": "Выбрано строк: {count}.",
    "Only the first {limit} of the {total} matching rows are changed; run it again for the rest.": (
        "Изменяются только первые {limit} из {total} подходящих строк; для остальных "
        "повторите действие."
    ),
    "results": "результаты",
    "Result": "Результат",
    "Done": "Выполнено",
    "Refused": "Отказано",
    "Done: {done}. Refused: {refused}.": "Выполнено: {done}. Отказано: {refused}.",
    "Assign to an executor": "Назначить исполнителя",
    "Cancel tickets": "Отменить заявки",
    "No such ticket.": "Такой заявки нет.",
    "No such user.": "Такого пользователя нет.",
    "Activate": "Активировать",
    "Deactivate": "Деактивировать",
    "Set role": "Назначить роль",
    "You cannot deactivate yourself.": "Нельзя деактивировать самого себя.",
    # errors
    "Not found": "Не найдено",
    "There is no such page or record.": "Такой страницы или записи нет.",
    "Permission denied": "Доступ запрещён",
    "You do not have permission to perform this action.": "У вас нет прав на это действие.",
    "The form has expired": "Форма устарела",
    "The form was sent without a valid security token, or from another site. "
    "Go back, reload the page and try again.": (
        "Форма отправлена без действительного защитного токена или с другого сайта. "
        "Вернитесь, обновите страницу и повторите."
    ),
    "Service unavailable": "Сервис недоступен",
    "The database is unavailable; try again shortly.": "База данных недоступна; повторите позже.",
    "Server error": "Ошибка сервера",
    "The server failed to answer this request; it has been logged.": (
        "Сервер не смог ответить на запрос; ошибка записана в журнал."
    ),
    "Request refused": "Запрос отклонён",
    "To the dashboard": "К сводке",
    # Webhooks (desk.admin.webhooks)
    "Webhooks": "Вебхуки",
    "Webhook": "Вебхук",
    "URL": "URL",
    "Internal notes": "Внутренние заметки",
    "Event kinds": "Виды событий",
    (
        "Separated by spaces: created edited assigned status_changed cancelled commented "
        "attachment_added attachment_removed sla_warning sla_breached"
    ): (
        "Через пробел: created edited assigned status_changed cancelled commented "
        "attachment_added attachment_removed sla_warning sla_breached"
    ),
    "Webhook saved.": "Вебхук сохранён.",
    "New secret (shown once): {secret}": "Новый секрет (показан один раз): {secret}",
    "Rotate secret": "Сменить секрет",
    "New secret made.": "Новый секрет создан.",
    "The old secret stops working at once; the new one is shown once.": (
        "Старый секрет сразу перестаёт действовать; новый показывается один раз."
    ),
    "Send ping": "Отправить ping",
    "Ping queued.": "Ping поставлен в очередь.",
    "Service levels": "Сроки обслуживания",
    "With a target": "Со сроками",
    "First response": "Первый ответ",
    "Resolution": "Решение",
    "{met} met, {breached} breached": "{met} в срок, {breached} просрочено",
    # Sorting, service levels, attachments and deliveries in the lists (issue 14)
    "Unknown sort order.": "Неизвестный порядок сортировки.",
    "More than {count} found": "Найдено больше {count}",
    "Response due": "Срок ответа",
    "Resolution due": "Срок решения",
    "Overdue": "Просрочена",
    "sla:pending": "ожидается",
    "sla:met": "в срок",
    "sla:breached": "просрочено",
    "Deliveries": "Доставки",
    "Delivery": "Доставка",
    "Channel": "Канал",
    "Attempts": "Попытки",
    "Next attempt": "Следующая попытка",
    "Last error": "Последняя ошибка",
    "Last attempt by": "Последняя попытка до",
    "Message id": "Идентификатор сообщения",
    "webhook": "вебхук",
    "pending": "ожидает",
    "succeeded": "доставлена",
    "failed": "не доставлена",
    "Tickets filed in the last {days} days.": "Заявки, поданные за последние {days} дн.",
}

CATALOGS = {"en": EN, "ru": RU}

#: Domain messages with variable parts: each named part is translated too, its key
#: prefixed as given (``cancel`` is looked up as ``action:cancel``).
PATTERNS = (
    (
        re.compile(r"^Cannot (?P<action>\w+) a ticket whose status is (?P<status>\w+)\.$"),
        "Cannot {action} a ticket whose status is {status}.",
        {"action": "action:"},
    ),
)


def negotiate(request: Request) -> str:
    """The best of LOCALES for the request's Accept-Language; English by default."""
    return request.accept_language.lookup(language_tags=list(LOCALES), default=DEFAULT_LOCALE)


class Translator:
    """``_("message", name=value)`` in one locale: the translation, formatted."""

    def __init__(self, locale: str):
        self.locale = locale if locale in CATALOGS else DEFAULT_LOCALE
        self.catalog = CATALOGS[self.locale]

    def __call__(self, message: str, **params) -> str:
        text = self.catalog.get(message)
        if text is None:
            text = self._pattern(message) or message
        return text.format(**params) if params else text

    def _pattern(self, message: str) -> str | None:
        for pattern, template, prefixes in PATTERNS:
            match = pattern.match(message)
            if match:
                parts = {
                    name: self(prefixes.get(name, "") + value)
                    for name, value in match.groupdict().items()
                }
                return self(template, **parts)
        return None

    def colander(self, message) -> str:
        """A colander message (a TranslationString with ``${name}`` slots), translated."""
        mapping = getattr(message, "mapping", None) or {}
        text = self.catalog.get(str(message), str(message))
        return Template(text).safe_substitute(mapping)


def translator(request: Request) -> Translator:
    """The translator for the request's language."""
    return Translator(negotiate(request))
