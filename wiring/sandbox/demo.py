"""A demo team and portfolio for the sandbox, generated from a seed: the same seed, `now` and zone
always give the same rows, so worklists, escalations, digests and charts have something
real-looking to show and a bug seen once can be seen again.

`seed_demo()` writes into an empty, migrated database, in one transaction:

- the team: 8 agents (two speak Portuguese, two are senior), 2 supervisors and a manager;
- 2,000 accounts in USD, EUR and BRL, log-normal balances, due dates in every aging bucket,
  customers of several languages and zones, most assigned to an agent, a few on hold or paid;
- three months of history before `now`: contact attempts by the agents at working hours (within
  the Regulation F call limits), payments, kept and broken promises, open promises due today and
  in the next days, and one approved payment plan with its instalments;
- the worklists those working days were worked from (today's is left to the morning run);
- an audit row for the seeding.

Every account's denormalised facts agree with its history: balance = original amount - payments,
last contact and conversation, the callback asked for in its latest contact, the last payment.
Money is generated as integer cents and stored as Decimal; instants are aware UTC.
"""

from __future__ import annotations

import bisect
import math
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, func, insert, select
from sqlalchemy.orm import Session

from bot.access import is_front_line
from bot.currency import format_money
from bot.escalations.records.effects import first_instalment_due
from bot.escalations.rules import instalment_schedule
from bot.ledger.rules.accounts import account_key
from bot.vocabulary import (
    RIGHT_PARTY_OUTCOMES,
    AccountStatus,
    Channel,
    EscalationKind,
    EscalationStatus,
    Outcome,
    PaymentMethod,
    PromiseStatus,
    Role,
)
from storage.database import Database
from storage.models import (
    Account,
    Agent,
    Assignment,
    AuditEntry,
    Base,
    Contact,
    Escalation,
    Payment,
    Promise,
)

SUPERVISOR_CHANNEL = "C0SUPERVISORS"
ACTOR = "sandbox"
ACCOUNT_COUNT = 2_000
FIRST_ACCOUNT_NUMBER = 100_001
HISTORY_DAYS = 91
"""Three months of contacts, payments and promises before today."""
GRACE_DAYS = 1
"""The default promise grace (settings.promise_grace_days): a promise due D is broken after D + 1."""
DAILY_CAPACITY = 25
WORKED_SHARE = (0.7, 0.95)
"""How much of a past worklist was worked that day: the rest of its lines nobody reached."""
SENIOR = "senior"
IMPORT = "import"
SLACK = "slack"

_T = TypeVar("_T")


class DemoDatabaseNotEmptyError(RuntimeError):
    """The demo only goes into an empty database: it would clash with what is there."""


@dataclass(frozen=True)
class DemoTeam:
    """Who the demo's people are, by role, and where the supervisors talk."""

    agents: tuple[str, ...]
    supervisors: tuple[str, ...]
    managers: tuple[str, ...]
    supervisor_channel: str = SUPERVISOR_CHANNEL

    @property
    def everyone(self) -> tuple[str, ...]:
        return self.agents + self.supervisors + self.managers


# --- the team ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Member:
    slack_user_id: str
    name: str
    role: Role
    languages: str
    tier: str | None = None
    approval_limit: int | None = None
    # The language the bot speaks to them (the roster's `locale`); none: Slack's, else the team's.
    locale: str | None = None


# The cast, by role: who plays which part is told here, never worked out by comparing roles.
_AGENTS = (
    _Member("U0AGENT01", "Emily Carter", Role.AGENT, "en"),
    _Member("U0AGENT02", "João Pereira", Role.AGENT, "pt;en", locale="pt-BR"),
    _Member("U0AGENT03", "Lucía Fernández", Role.AGENT, "es;en", tier=SENIOR, locale="es"),
    _Member("U0AGENT04", "Thomas Becker", Role.AGENT, "de;en"),
    _Member("U0AGENT05", "Mariana Costa", Role.AGENT, "pt;en", tier=SENIOR, locale="pt-BR"),
    _Member("U0AGENT06", "Nguyễn Thị Lan", Role.AGENT, "vi;en"),
    _Member("U0AGENT07", "Claire Dubois", Role.AGENT, "fr;en"),
    _Member("U0AGENT08", "Piotr Kowalski", Role.AGENT, "pl;en"),
)
_SUPERVISORS = (
    _Member("U0SUPER01", "Sophie Martin", Role.SUPERVISOR, "fr;en", approval_limit=1_000),
    _Member("U0SUPER02", "Rafael Ortega", Role.SUPERVISOR, "es;en", approval_limit=2_500),
)
_MANAGERS = (_Member("U0MANAGER1", "Katarzyna Nowak", Role.MANAGER, "pl;en"),)
MEMBERS = (*_AGENTS, *_SUPERVISORS, *_MANAGERS)
AGENTS = tuple(m.slack_user_id for m in _AGENTS)
SUPERVISORS = tuple(m.slack_user_id for m in _SUPERVISORS)
MANAGERS = tuple(m.slack_user_id for m in _MANAGERS)
SENIORS = tuple(m.slack_user_id for m in MEMBERS if m.tier == SENIOR)
SPEAKERS: dict[str, tuple[str, ...]] = {
    language: tuple(m.slack_user_id for m in _AGENTS if language in m.languages.split(";"))
    for language in ("pt", "es", "de", "vi", "fr", "pl")
}

# --- the customers -----------------------------------------------------------------------------------

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "William", "Linda", "David",
           "Elizabeth", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Christopher",
           "Karen", "Daniel", "Emily", "Aisha", "Kevin", "Brittany", "Tyrone", "Megan"),
    "pt": ("Ana", "João", "Maria", "Pedro", "Lucas", "Gabriel", "Juliana", "Fernanda", "Rafael",
           "Beatriz", "Tiago", "Camila", "Rodrigo", "Larissa", "Bruno", "Letícia", "Gonçalo", "Inês",
           "Mateus", "Thiago", "Francisca", "Luíza", "Vitória", "Caio", "Antônio"),
    "es": ("Sofía", "Mateo", "Valentina", "Santiago", "Camila", "Diego", "Lucía", "Alejandro",
           "Isabella", "Javier", "Carmen", "Miguel", "Daniela", "José", "Elena", "Guadalupe", "Jesús"),
    "fr": ("Camille", "Louis", "Léa", "Hugo", "Chloé", "Jules", "Manon", "Théo", "Inès", "Lucas",
           "Zoé", "Étienne", "Amélie", "Céline", "François", "Hélène"),
    "de": ("Lukas", "Anna", "Felix", "Lena", "Jonas", "Hannah", "Maximilian", "Leonie", "Paul",
           "Sophie", "Jürgen", "Katrin", "Stefan", "Sabine", "Björn", "Jörg"),
    "pl": ("Jakub", "Zuzanna", "Kacper", "Julia", "Szymon", "Maja", "Wojciech", "Agnieszka", "Łukasz",
           "Małgorzata", "Krzysztof", "Katarzyna", "Paweł", "Grażyna"),
    "vi": ("Anh", "Bảo", "Châu", "Dũng", "Hà", "Hải", "Hương", "Khoa", "Lan", "Linh", "Long", "Mai",
           "Nam", "Phương", "Quang", "Thảo", "Trang", "Tuấn"),
}  # fmt: skip
LAST_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
           "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
           "Clark", "Lewis", "O'Brien", "Walker", "Robinson", "Young", "King"),
    "pt": ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Rodrigues", "Almeida",
           "Nascimento", "Lima", "Araújo", "Fernandes", "Carvalho", "Gomes", "Martins", "Rocha",
           "Ribeiro", "Barbosa", "Conceição", "Gonçalves", "Magalhães", "Cardoso"),
    "es": ("García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
           "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Morales", "Jiménez", "Ruiz"),
    "fr": ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
           "Moreau", "Lefèvre", "Fournier", "Girard", "Bonnet", "Lambert", "Rousseau"),
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
           "Hoffmann", "Koch", "Richter", "Wolf", "Schäfer", "Krüger", "Weiß"),
    "pl": ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
           "Zieliński", "Szymański", "Woźniak", "Dąbrowski"),
    "vi": ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"),
}  # fmt: skip
VIETNAMESE_MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Đức", "Ngọc", "Quốc")
BUSINESSES: dict[str, tuple[str, ...]] = {
    "en": ("{} Plumbing LLC", "{} & Sons Hardware Inc.", "{} Family Dental LLC", "{} Auto Repair Inc."),
    "pt": ("Padaria {} Ltda", "{} Materiais de Construção Ltda", "Oficina Mecânica {} ME"),
    "es": ("{} Landscaping LLC", "Panadería {} LLC", "Taller {} Inc."),
    "fr": ("Boulangerie {} SARL", "Garage {} SAS"),
    "de": ("Bäckerei {} GmbH", "{} Elektrotechnik GmbH"),
}
BUSINESS_SHARE = 0.05
SAME_CUSTOMER_SHARE = 0.04
"""Accounts of a customer who already has another one (same name, phone, email, customer id)."""

CURRENCIES = (("USD", 60), ("EUR", 20), ("BRL", 20))
LANGUAGES: dict[str, tuple[tuple[str, int], ...]] = {
    "USD": (("en", 68), ("es", 18), ("vi", 5), ("pl", 4), ("pt", 3), ("fr", 2)),
    "EUR": (("fr", 30), ("de", 30), ("pt", 18), ("es", 14), ("en", 8)),
    "BRL": (("pt", 92), ("es", 4), ("en", 4)),
}
EURO_REGIONS = {"fr": "FR", "de": "DE", "pt": "PT", "es": "ES", "en": "IE"}
REGION_ZONES: dict[str, tuple[tuple[str, int], ...]] = {
    "US": (("America/New_York", 40), ("America/Chicago", 25), ("America/Denver", 7),
           ("America/Los_Angeles", 23), ("America/Phoenix", 5)),
    "BR": (("America/Sao_Paulo", 80), ("America/Recife", 10), ("America/Manaus", 10)),
    "PT": (("Europe/Lisbon", 1),),
    "FR": (("Europe/Paris", 1),),
    "DE": (("Europe/Berlin", 1),),
    "ES": (("Europe/Madrid", 1),),
    "IE": (("Europe/Dublin", 1),),
}  # fmt: skip
US_AREA_CODES = {
    "America/New_York": (212, 718, 917, 516, 305),
    "America/Chicago": (312, 773, 630, 214),
    "America/Denver": (303, 720),
    "America/Los_Angeles": (213, 310, 818, 415),
    "America/Phoenix": (602, 480),
}
BRAZIL_AREA_CODES = {
    "America/Sao_Paulo": (11, 19, 21, 31, 41, 51),
    "America/Recife": (81,),
    "America/Manaus": (92,),
}
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
# Postal addresses for letters, per region: streets, then (city, region, postal code prefix, country).
STREETS = {
    "US": ("Maple Ave", "Oak St", "Washington Blvd", "Lakeview Dr"),
    "BR": ("Rua das Flores", "Avenida Paulista", "Rua Augusta", "Rua XV de Novembro"),
    "ES": ("Calle Mayor", "Avenida de la Constitución", "Calle del Sol"),
    "PT": ("Rua Direita", "Avenida da Liberdade"),
    "FR": ("Rue de la Paix", "Avenue Victor Hugo"),
    "DE": ("Hauptstraße", "Bahnhofstraße"),
    "IE": ("Main Street", "O'Connell Street"),
}
TOWNS = {
    "US": (("Springfield", "IL", "627", "United States"), ("Albany", "NY", "122", "United States")),
    "BR": (("São Paulo", "SP", "01310-", "Brasil"), ("Curitiba", "PR", "80010-", "Brasil")),
    "ES": (("Logroño", "La Rioja", "26", "España"), ("Madrid", "Madrid", "28", "España")),
    "PT": (("Lisboa", None, "1250-", "Portugal"),),
    "FR": (("Lyon", None, "690", "France"),),
    "DE": (("Köln", None, "506", "Deutschland"),),
    "IE": (("Dublin", None, "D0", "Ireland"),),
}
ADDRESS_SHARE = 0.8
PHONE_SHARE, EMAIL_SHARE, ZONE_SHARE, LANGUAGE_SHARE = 0.9, 0.75, 0.85, 0.95

# --- the portfolio -----------------------------------------------------------------------------------

# Log-normal balances with a median of 600 and about 1% at or above 10,000 (z of the 99th
# percentile is 2.326), drawn again when outside 50 to 60,000.
BALANCE_MEDIAN = 600.0
BALANCE_SIGMA = (math.log(10_000) - math.log(BALANCE_MEDIAN)) / 2.326
BALANCE_CENTS_RANGE = (5_000, 6_000_000)
# Days past due per aging bucket (current: due today or within the next weeks), and their shares.
BUCKETS = (((-25, 0), 10), ((1, 30), 24), ((31, 60), 19), ((61, 90), 15), ((91, 120), 12), ((121, 540), 20))
ASSIGNED_SHARE = 0.7
RISK_SCORE_SHARE = 0.5
PRODUCTS = (("card", 40), ("personal-loan", 25), ("auto", 15), ("telecom", 15), (None, 5))
"""The kind of credit, with its share of the portfolio; a few accounts came without one."""
OWN_LANGUAGE_OWNER = 0.85
"""An assigned account whose customer speaks a language some agents speak goes to one of them."""

PAID, DISPUTES, CEASED, BANKRUPT = 80, 20, 8, 1
PROMISES_DUE_TODAY, PROMISES_COMING, PROMISES_BROKEN_OPEN = 15, 40, 8
PROMISES_BROKEN_PAST = 120
PENDING_CALLBACKS, CALLBACKS_TODAY = 40, 10
PAYER_SHARE = 0.24
"""Accounts that paid besides the paid-off ones and the plan: about a quarter pay in all."""
KEPT_PROMISE_SHARE = 0.4
"""Payments that kept a promise taken on a call a few days before."""
PLAN_INSTALMENTS = 6

# Contacts: per working day of an account's history, scaled by how busy the account is.
CONTACTS_PER_WORKDAY = 0.2
HOUR = 3600
WORKDAY_HOURS = (9, 17)
CONSUMER_HOURS = (8, 21)
CHANNELS = ((Channel.CALL, 62), (Channel.EMAIL, 18), (Channel.SMS, 13), (Channel.LETTER, 7))
OUTCOMES: dict[Channel, tuple[tuple[Outcome, int], ...]] = {
    Channel.CALL: (
        (Outcome.NO_ANSWER, 38), (Outcome.LEFT_MESSAGE, 24), (Outcome.RIGHT_PARTY, 25),
        (Outcome.CALLBACK, 4), (Outcome.WRONG_NUMBER, 3), (Outcome.THIRD_PARTY, 3), (Outcome.REFUSED, 3),
    ),
    Channel.EMAIL: ((Outcome.LEFT_MESSAGE, 88), (Outcome.RIGHT_PARTY, 10), (Outcome.WRONG_NUMBER, 2)),
    Channel.SMS: ((Outcome.LEFT_MESSAGE, 82), (Outcome.RIGHT_PARTY, 10), (Outcome.CALLBACK, 5),
                  (Outcome.WRONG_NUMBER, 3)),
    Channel.LETTER: ((Outcome.LEFT_MESSAGE, 96), (Outcome.WRONG_NUMBER, 4)),
}  # fmt: skip
CONVERSATION_NOTES = (
    "Discussed the balance; customer is reviewing their budget.",
    "Customer confirmed the debt and asked for the payment options.",
    "Spoke to the customer; reduced hours at work, will call back when paid.",
    "Explained the amount due and the late fees.",
    "Customer asked for a statement by email.",
)
CALLBACK_NOTES = ("Asked to be called back", "Busy at work; call back later", "Driving; call back")
PAYMENT_METHODS: dict[str, tuple[tuple[PaymentMethod, int], ...]] = {
    "USD": ((PaymentMethod.CARD, 50), (PaymentMethod.ACH, 35), (PaymentMethod.CHECK, 15)),
    "EUR": ((PaymentMethod.CARD, 60), (PaymentMethod.WIRE, 40)),
    "BRL": ((PaymentMethod.PIX, 55), (PaymentMethod.BOLETO, 30), (PaymentMethod.CARD, 15)),
}
PAYMENT_COUNTS = ((1, 55), (2, 30), (3, 15))
TYPED_METHODS = frozenset({PaymentMethod.CHECK})
"""Methods an agent records by hand; the others arrive through the payment feed."""


def _weighted(rng: random.Random, options: Sequence[tuple[_T, int]]) -> _T:
    return rng.choices([value for value, _ in options], [weight for _, weight in options])[0]


def _money(cents: int) -> Decimal:
    return Decimal(cents) / 100


# --- what is generated, before it becomes rows ---------------------------------------------------------


@dataclass(slots=True)
class _Customer:
    name: str
    customer_id: str
    language: str
    region: str
    phone: str | None
    email: str | None
    timezone: str | None
    language_recorded: bool


@dataclass(slots=True)
class _Contact:
    at: datetime
    channel: Channel
    outcome: Outcome
    agent: str
    notes: str | None = None
    callback_on: date | None = None
    pinned: bool = False
    """Part of a story (a promise, a dispute, a callback): its channel changes only if it must."""


@dataclass(slots=True)
class _Payment:
    at: datetime
    cents: int
    method: PaymentMethod
    reference: str
    payer: str | None
    recorded_by: str
    source: str


@dataclass(slots=True)
class _Promise:
    cents: int
    due_date: date
    status: PromiseStatus
    paid_toward_cents: int
    made_by: str
    made_at: datetime
    resolved_at: datetime | None = None
    instalment: int | None = None
    call: _Contact | None = None
    """The conversation where it was made: made_at is its time (which may move by a second)."""


@dataclass(slots=True)
class _Account:
    number: int
    customer: _Customer
    currency: str
    due_date: date
    balance_cents: int
    assigned_to: str | None
    risk_score: int | None
    placed_on: date
    start: date
    """The first day of its history here: placement, or three months ago."""
    contact_until: date
    """Random contacts fall on days before this one; the story's contacts may come later."""
    pay_until: date
    status: AccountStatus = AccountStatus.ACTIVE
    hold_reason: str | None = None
    special: str | None = None
    contacts: list[_Contact] = field(default_factory=list)
    payments: list[_Payment] = field(default_factory=list)
    promises: list[_Promise] = field(default_factory=list)
    plan: dict[str, Any] | None = None

    @property
    def account_id(self) -> str:
        return f"ACC-{self.number}"

    @property
    def original_cents(self) -> int:
        return self.balance_cents + sum(payment.cents for payment in self.payments)


@dataclass(frozen=True)
class _Figures:
    accounts: int
    contacts: int
    payments: int
    promises: int


class _Generator:
    """Everything drawn from one random.Random, in a fixed order: the same seed, the same data."""

    def __init__(self, seed: int, now: datetime, zone: ZoneInfo) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.now = now.astimezone(UTC)
        self.zone = zone
        self.today = now.astimezone(zone).date()
        self.history_start = self.today - timedelta(days=HISTORY_DAYS)
        first = self.today - timedelta(days=HISTORY_DAYS + 10)
        self.workdays = [
            first + timedelta(days=offset)
            for offset in range((self.today - first).days)
            if (first + timedelta(days=offset)).weekday() < 5
        ]
        self.zones = {name: ZoneInfo(name) for zones in REGION_ZONES.values() for name, _ in zones}
        self.references: set[str] = set()
        self.customers: dict[str, list[_Customer]] = {currency: [] for currency, _ in CURRENCIES}

    # -- days and instants ----------------------------------------------------------------------------

    def at(self, day: date, second: int) -> datetime:
        """`second` seconds after team-local midnight of `day`, as aware UTC."""
        hour, rest = divmod(second, HOUR)
        return datetime.combine(day, time(hour, rest // 60, rest % 60), self.zone).astimezone(UTC)

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def workdays_between(self, first: date, last: date) -> list[date]:
        """Working days from first to last, both included (within the history)."""
        lo = bisect.bisect_left(self.workdays, first)
        hi = bisect.bisect_right(self.workdays, last)
        return self.workdays[lo:hi]

    def workday_between(self, first: date, last: date) -> date | None:
        days = self.workdays_between(first, last)
        return self.rng.choice(days) if days else None

    def contact_time(self, day: date, customer: _Customer) -> datetime:
        """A moment in the team's working hours that is also 08:00-21:00 for the customer (in every
        zone they may be in when theirs is unknown); the start of the day when none is."""
        zones = self._plausible_zones(customer)
        # A minute's margin at the ends: contacts at the same second are moved a second apart.
        start, end = WORKDAY_HOURS[0] * HOUR, WORKDAY_HOURS[1] * HOUR - 60
        tries = [self.rng.randrange(start, end) for _ in range(6)]
        for second in (*tries, *range(start, end, HOUR // 4)):
            moment = self.at(day, second)
            if all(
                CONSUMER_HOURS[0] <= moment.astimezone(z).hour
                and (moment + timedelta(minutes=1)).astimezone(z).hour < CONSUMER_HOURS[1]
                for z in zones
            ):
                return moment
        return self.at(day, start)

    def _plausible_zones(self, customer: _Customer) -> list[ZoneInfo]:
        if customer.timezone is not None:
            return [self.zones[customer.timezone]]
        return [self.zones[name] for name, _ in REGION_ZONES[customer.region]]

    # -- the customers --------------------------------------------------------------------------------

    def customer(self, number: int, currency: str) -> _Customer:
        rng = self.rng
        earlier = self.customers[currency]
        if earlier and rng.random() < SAME_CUSTOMER_SHARE:
            return rng.choice(earlier)
        language = _weighted(rng, LANGUAGES[currency])
        region = {"USD": "US", "BRL": "BR"}.get(currency) or EURO_REGIONS[language]
        zone = _weighted(rng, REGION_ZONES[region])
        name, person = self._name(language)
        found = _Customer(
            name=name,
            customer_id=f"CUS-{number * 3 + 400_000}",
            language=language,
            region=region,
            phone=self._phone(region, zone) if rng.random() < PHONE_SHARE else None,
            email=self._email(person) if rng.random() < EMAIL_SHARE else None,
            timezone=zone if rng.random() < ZONE_SHARE else None,
            language_recorded=rng.random() < LANGUAGE_SHARE,
        )
        earlier.append(found)
        return found

    def _name(self, language: str) -> tuple[str, str]:
        """The customer's name and the person's name behind it (for the email address)."""
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES[language]), rng.choice(LAST_NAMES[language])
        if language == "vi":
            person = f"{last} {rng.choice(VIETNAMESE_MIDDLE)} {first}"
        elif language == "pl" and first.endswith("a") and last.endswith("ski"):
            person = f"{first} {last[:-1]}a"
        elif language == "pt" and rng.random() < 0.4:
            person = f"{first} {rng.choice(LAST_NAMES['pt'])} {last}"
        elif language == "es" and rng.random() < 0.3:
            person = f"{first} {last} {rng.choice(LAST_NAMES['es'])}"
        else:
            person = f"{first} {last}"
        if language in BUSINESSES and rng.random() < BUSINESS_SHARE:
            return rng.choice(BUSINESSES[language]).format(last), person
        return person, person

    def _phone(self, region: str, zone: str) -> str:
        digits = self.rng.randrange
        if region == "US":
            return f"+1 {self.rng.choice(US_AREA_CODES[zone])} 555 01{digits(100):02d}"
        if region == "BR":
            return (
                f"+55 {self.rng.choice(BRAZIL_AREA_CODES[zone])} 9{digits(10_000):04d}-{digits(10_000):04d}"
            )
        if region == "PT":
            return f"+351 9{self.rng.choice('1236')}{digits(10)} {digits(1000):03d} {digits(1000):03d}"
        if region == "FR":
            return f"+33 6 {digits(100):02d} {digits(100):02d} {digits(100):02d} {digits(100):02d}"
        if region == "DE":
            return f"+49 15{self.rng.choice('179')} {digits(10_000_000):07d}"
        if region == "ES":
            return f"+34 6{digits(100):02d} {digits(1000):03d} {digits(1000):03d}"
        return f"+353 8{self.rng.choice('5679')} {digits(1000):03d} {digits(10_000):04d}"

    def _email(self, person: str) -> str:
        words = [_ascii(word) for word in person.split()]
        local = ".".join(word for word in (words[0], words[-1]) if word) or "customer"
        if self.rng.random() < 0.5:
            local += str(self.rng.randrange(1, 100))
        return f"{local}@{self.rng.choice(EMAIL_DOMAINS)}"

    # -- the accounts ---------------------------------------------------------------------------------

    def accounts(self) -> list[_Account]:
        accounts = [self._account(FIRST_ACCOUNT_NUMBER + index) for index in range(ACCOUNT_COUNT)]
        self._special_cases(accounts)
        for account in accounts:
            self._history(account)
        return accounts

    def _account(self, number: int) -> _Account:
        rng, today = self.rng, self.today
        currency = _weighted(rng, CURRENCIES)
        customer = self.customer(number, currency)
        low, high = _weighted(rng, BUCKETS)
        dpd = rng.randint(low, high)
        due_date = today - timedelta(days=dpd)
        if dpd > 0:
            placed_on = min(due_date + timedelta(days=rng.randint(1, 5)), today - timedelta(days=1))
        else:
            placed_on = today - timedelta(days=rng.randint(20, 80))
        balance = self._balance_cents()
        high_value = balance >= 1_000_000
        start = max(placed_on, self.history_start)
        return _Account(
            number=number,
            customer=customer,
            currency=currency,
            due_date=due_date,
            balance_cents=balance,
            assigned_to=self._owner(customer.language, high_value) if rng.random() < ASSIGNED_SHARE else None,
            risk_score=self._risk_score(dpd) if rng.random() < RISK_SCORE_SHARE else None,
            placed_on=placed_on,
            start=start,
            contact_until=today,
            pay_until=today,
        )

    def _balance_cents(self) -> int:
        low, high = BALANCE_CENTS_RANGE
        while True:
            cents = round(self.rng.lognormvariate(math.log(BALANCE_MEDIAN), BALANCE_SIGMA) * 100)
            if low <= cents <= high:
                return cents

    def _owner(self, language: str, high_value: bool) -> str:
        rng = self.rng
        speakers = SPEAKERS.get(language, ())
        if high_value:
            seniors = [agent for agent in SENIORS if agent in speakers] or list(SENIORS)
            return rng.choice(seniors)
        if speakers and rng.random() < OWN_LANGUAGE_OWNER:
            return rng.choice(speakers)
        return rng.choice(AGENTS)

    def _risk_score(self, dpd: int) -> int:
        """A propensity to pay that falls as the debt ages."""
        centre = 70 - min(dpd, 180) / 4
        return max(1, min(99, round(self.rng.gauss(centre, 15))))

    def _worker(self, account: _Account) -> str:
        """Who made a contact: the owner mostly; otherwise whoever had it on their list that day."""
        rng = self.rng
        if account.assigned_to is not None and rng.random() < 0.92:
            return account.assigned_to
        speakers = SPEAKERS.get(account.customer.language, ())
        if speakers and rng.random() < 0.7:
            return rng.choice(speakers)
        return rng.choice(AGENTS)

    # -- the special cases ------------------------------------------------------------------------------

    def _special_cases(self, accounts: list[_Account]) -> None:
        order = list(accounts)
        self.rng.shuffle(order)
        today = self.today

        def take(
            count: int, label: str, *, since: int, phone: bool = False, plan: bool = False
        ) -> list[_Account]:
            """The first `count` accounts in the shuffled order that have been here `since` days
            (with a phone for a story told on calls), marked as `label`."""
            taken: list[_Account] = []
            for account in order:
                if len(taken) == count:
                    break
                if account.special is not None or account.start > today - timedelta(days=since):
                    continue
                if phone and account.customer.phone is None:
                    continue
                if plan and (account.currency != "USD" or account.assigned_to is None):
                    continue
                account.special = label
                taken.append(account)
            return taken

        for account in take(1, "plan", since=55, phone=True, plan=True):
            self._plan(account)
        for account in take(BANKRUPT, "bankruptcy", since=10):
            self._hold(account, "bankruptcy")
        for account in take(DISPUTES, "dispute", since=10, phone=True):
            self._hold(account, "dispute")
        for account in take(CEASED, "cease-communication", since=10):
            self._hold(account, "cease-communication")
        for account in take(PAID, "paid", since=10):
            self._paid_off(account)
        for account in take(PROMISES_DUE_TODAY, "promise", since=12, phone=True):
            self._open_promise(account, today, today - timedelta(days=10), today - timedelta(days=1))
        for account in take(PROMISES_COMING, "promise", since=10, phone=True):
            due = today + timedelta(days=self.rng.randint(1, 14))
            self._open_promise(account, due, today - timedelta(days=7), today - timedelta(days=1))
        for account in take(PROMISES_BROKEN_OPEN, "promise", since=35, phone=True):
            due = today - timedelta(days=self.rng.randint(GRACE_DAYS + 1, 20))
            self._open_promise(account, due, due - timedelta(days=10), due - timedelta(days=3))
        for number, account in enumerate(take(PENDING_CALLBACKS, "callback", since=5, phone=True)):
            self._pending_callback(account, today_too=number < CALLBACKS_TODAY)
        for account in take(PROMISES_BROKEN_PAST, "broken", since=30, phone=True):
            self._broken_promise(account)
        for account in accounts:
            if account.special not in ("plan", "paid", "broken") and self.rng.random() < PAYER_SHARE:
                self._payments(account, account.balance_cents, _weighted(self.rng, PAYMENT_COUNTS))

    def _hold(self, account: _Account, reason: str) -> None:
        day = self.workday_between(
            max(account.start, self.today - timedelta(days=40)), self.today - timedelta(days=3)
        )
        assert day is not None
        account.status, account.hold_reason = AccountStatus.ON_HOLD, reason
        account.contact_until = account.pay_until = day
        agent = self._worker(account)
        if reason == "dispute":
            contact = _Contact(
                self.contact_time(day, account.customer), Channel.CALL, Outcome.DISPUTE, agent,
                "Customer disputes the balance and asked for proof of the debt; validation notice requested.",
                pinned=True,
            )  # fmt: skip
        elif reason == "bankruptcy":
            contact = _Contact(
                self.contact_time(day, account.customer), Channel.LETTER, Outcome.THIRD_PARTY, agent,
                "Notice of a Chapter 7 bankruptcy filing received from the debtor's attorney.", pinned=True,
            )  # fmt: skip
        else:
            contact = _Contact(
                self.contact_time(day, account.customer), Channel.LETTER, Outcome.REFUSED, agent,
                "Written request to cease communication received.", pinned=True,
            )  # fmt: skip
        account.contacts.append(contact)

    def _paid_off(self, account: _Account) -> None:
        """Paid in full in the last three months: the last payment clears the balance."""
        paid_on = account.start + timedelta(days=self.rng.randint(1, (self.today - account.start).days - 1))
        account.status = AccountStatus.PAID
        account.contact_until = account.pay_until = paid_on
        original = account.balance_cents
        account.balance_cents = 0
        count = min(_weighted(self.rng, PAYMENT_COUNTS), (paid_on - account.start).days + 1)
        earlier = self._payments(account, original, count - 1)
        self._add_payment(account, paid_on, original - earlier)

    def _payments(self, account: _Account, balance: int, count: int) -> int:
        """Up to `count` part payments on different days before `pay_until`; returns their total.
        The account's current balance stays: the original amount is what it was plus these."""
        days = (account.pay_until - account.start).days
        if days <= 0 or count <= 0:
            return 0
        offsets = sorted(self.rng.sample(range(days), min(count, days)))
        total = 0
        for offset in offsets:
            cents = self._part_payment(balance)
            self._add_payment(account, account.start + timedelta(days=offset), cents)
            total += cents
        return total

    def _part_payment(self, balance: int) -> int:
        share = self.rng.uniform(0.08, 0.4)
        units = max(20, round(balance * share / 100))
        if units >= 50 and self.rng.random() < 0.6:
            units = max(50, units // 25 * 25)  # people pay round amounts
        cents = units * 100
        if self.rng.random() < 0.15:
            cents += self.rng.randrange(100)
        return cents

    def _add_payment(
        self, account: _Account, day: date, cents: int, *, not_before: datetime | None = None
    ) -> _Payment:
        rng = self.rng
        method = _weighted(rng, PAYMENT_METHODS[account.currency])
        at = self.at(day, rng.randrange(7 * HOUR, 22 * HOUR))
        if not_before is not None and at <= not_before:
            at = not_before + timedelta(seconds=rng.randrange(HOUR // 2, 4 * HOUR))
        typed = method in TYPED_METHODS or rng.random() < 0.25
        payment = _Payment(
            at=at,
            cents=cents,
            method=method,
            reference=self._reference(),
            payer=account.customer.name if rng.random() < 0.9 else None,
            recorded_by=self._worker(account) if typed else IMPORT,
            source=SLACK if typed else IMPORT,
        )
        account.payments.append(payment)
        if account.special != "plan" and account.customer.phone and rng.random() < KEPT_PROMISE_SHARE:
            self._kept_promise(account, payment)
        return payment

    def _reference(self) -> str:
        while True:
            reference = f"TX-{self.rng.randrange(16**10):010X}"
            if reference not in self.references:
                self.references.add(reference)
                return reference

    def _kept_promise(self, account: _Account, payment: _Payment) -> None:
        """The call a few days before, where the customer promised what they then paid."""
        paid_on = self.local_day(payment.at)
        day = self.workday_between(
            max(account.start, paid_on - timedelta(days=7)), paid_on - timedelta(days=1)
        )
        if day is None:
            return
        call = self._conversation(account, day, "Customer promised to pay.")
        account.promises.append(
            _Promise(
                cents=payment.cents,
                due_date=paid_on + timedelta(days=self.rng.randint(0, 3)),
                status=PromiseStatus.KEPT,
                paid_toward_cents=payment.cents,
                made_by=call.agent,
                made_at=call.at,
                resolved_at=payment.at,
                call=call,
            )
        )

    def _conversation(self, account: _Account, day: date, notes: str, agent: str | None = None) -> _Contact:
        call = _Contact(
            self.contact_time(day, account.customer), Channel.CALL, Outcome.RIGHT_PARTY,
            agent or self._worker(account), notes, pinned=True,
        )  # fmt: skip
        account.contacts.append(call)
        return call

    def _open_promise(self, account: _Account, due: date, made_from: date, made_to: date) -> None:
        day = self.workday_between(max(account.start, made_from), made_to)
        assert day is not None
        account.status = AccountStatus.PROMISED
        account.contact_until = account.pay_until = day
        cents = self._promised_cents(account.balance_cents)
        call = self._conversation(
            account,
            day,
            f"Promised {format_money(_money(cents), account.currency, 'en')} by {due.isoformat()}.",
        )
        account.promises.append(
            _Promise(cents, due, PromiseStatus.OPEN, 0, made_by=call.agent, made_at=call.at, call=call)
        )

    def _promised_cents(self, balance: int) -> int:
        if balance <= 30_000:
            return balance
        units = max(25, round(balance * self.rng.uniform(0.1, 0.6) / 100) // 10 * 10)
        return min(units * 100, balance)

    def _broken_promise(self, account: _Account) -> None:
        """A promise made and broken in the last three months, resolved by the morning run."""
        today = self.today
        day = self.workday_between(account.start, today - timedelta(days=14))
        assert day is not None
        due = day + timedelta(days=self.rng.randint(3, 10))
        cents = self._promised_cents(account.balance_cents)
        call = self._conversation(
            account,
            day,
            f"Promised {format_money(_money(cents), account.currency, 'en')} by {due.isoformat()}.",
        )
        broken_on = due + timedelta(days=GRACE_DAYS + 1)
        account.promises.append(
            _Promise(
                cents, due, PromiseStatus.BROKEN, 0, made_by=call.agent, made_at=call.at,
                resolved_at=self.at(broken_on, 7 * HOUR), call=call,
            )
        )  # fmt: skip

    def _pending_callback(self, account: _Account, *, today_too: bool) -> None:
        """The latest contact asked for a callback: today for some, in the next days for the rest."""
        day = self.workday_between(self.today - timedelta(days=4), self.today - timedelta(days=1))
        assert day is not None
        account.contact_until = account.pay_until = day
        callback_on = self.today if today_too else self.today + timedelta(days=self.rng.randint(1, 4))
        contact = _Contact(
            self.contact_time(day, account.customer),
            Channel.CALL,
            Outcome.CALLBACK,
            self._worker(account),
            f"{self.rng.choice(CALLBACK_NOTES)} on {callback_on.strftime('%A')}.",
            callback_on=callback_on,
            pinned=True,
        )
        account.contacts.append(contact)

    def _plan(self, account: _Account) -> None:
        """A payment plan requested on a call five to seven weeks ago, approved by a supervisor the
        same day; the first instalment was paid on time, the others are open."""
        rng, today = self.rng, self.today
        day = self.workday_between(today - timedelta(days=50), today - timedelta(days=36))
        assert day is not None
        account.status = AccountStatus.PLAN
        account.contact_until = account.pay_until = day
        balance_units = rng.randrange(1_500, 4_500)
        instalment_units = -(-balance_units // (PLAN_INSTALMENTS * 10)) * 10
        request = self._conversation(
            account,
            day,
            f"Lost overtime hours; can pay {format_money(Decimal(instalment_units), account.currency, 'en')} a month.",
            agent=account.assigned_to,
        )
        decided = request.at + timedelta(seconds=rng.randrange(HOUR, 3 * HOUR))
        decided_day = self.local_day(decided)
        schedule = instalment_schedule(
            Decimal(instalment_units),
            Decimal(balance_units),
            count=PLAN_INSTALMENTS,
            until=None,
            first_due=first_instalment_due(decided_day),
        )
        account.balance_cents = balance_units * 100
        account.plan = {
            "amount": Decimal(instalment_units),
            "instalments": PLAN_INSTALMENTS,
            "reason": (
                f"Customer lost overtime hours and cannot pay the balance at once; offers {PLAN_INSTALMENTS}"
                f" monthly instalments of {format_money(Decimal(instalment_units), account.currency, 'en')}."
            ),
            "requested_by": request.agent,
            "request": request,
            "decided_by": SUPERVISORS[0],
            "decided_at": decided,
            "comment": f"Approved: first instalment due {schedule[0].due_date.isoformat()}.",
        }
        for instalment in schedule:
            cents = int(instalment.amount * 100)
            promise = _Promise(
                cents, instalment.due_date, PromiseStatus.OPEN, 0, made_by=request.agent, made_at=decided,
                instalment=instalment.number,
            )  # fmt: skip
            if instalment.number == 1:
                paid_on = instalment.due_date - timedelta(days=rng.randint(0, 2))
                payment = self._add_payment(account, paid_on, cents, not_before=decided)
                account.balance_cents -= cents
                promise.status, promise.paid_toward_cents, promise.resolved_at = (
                    PromiseStatus.KEPT,
                    cents,
                    payment.at,
                )
            account.promises.append(promise)

    # -- the contact history ----------------------------------------------------------------------------

    def _history(self, account: _Account) -> None:
        rng = self.rng
        days = self.workdays_between(account.start, account.contact_until - timedelta(days=1))
        busy = rng.uniform(0.4, 1.6)
        expected = len(days) * CONTACTS_PER_WORKDAY * busy
        count = int(expected) + (rng.random() < expected - int(expected))
        for _ in range(count if days else 0):
            day = rng.choice(days)
            channel = self._channel(account.customer)
            if channel is None:
                break
            outcome = _weighted(rng, OUTCOMES[channel])
            account.contacts.append(
                _Contact(
                    self.contact_time(day, account.customer),
                    channel,
                    outcome,
                    self._worker(account),
                    notes=rng.choice(CONVERSATION_NOTES) if outcome == Outcome.RIGHT_PARTY else None,
                )
            )
        account.contacts.sort(key=lambda contact: contact.at)
        for earlier, later in zip(account.contacts, account.contacts[1:], strict=False):
            if later.at <= earlier.at:
                later.at = earlier.at + timedelta(seconds=1)
        self._keep_call_limits(account)
        for contact in account.contacts:
            if contact.outcome == Outcome.CALLBACK and contact.callback_on is None:
                contact.callback_on = self.local_day(contact.at) + timedelta(days=1)
                contact.notes = contact.notes or rng.choice(CALLBACK_NOTES) + "."
        last = account.contacts[-1] if account.contacts else None
        if last is not None and last.outcome == Outcome.CALLBACK and not last.pinned:
            # Only the callbacks still to come are left as the latest contact.
            last.outcome, last.callback_on, last.notes = Outcome.LEFT_MESSAGE, None, None

    def _channel(self, customer: _Customer) -> Channel | None:
        allowed = [
            (channel, weight)
            for channel, weight in CHANNELS
            if (channel not in (Channel.CALL, Channel.SMS) or customer.phone)
            and (channel != Channel.EMAIL or customer.email)
        ]
        return _weighted(self.rng, allowed) if allowed else None

    # -- past worklists --------------------------------------------------------------------------------

    def past_worklists(self, accounts: list[_Account]) -> list[tuple[date, str, _Account, int]]:
        """(day, agent, account, rank) for the worklists of the working days before today, so that
        "worklist lines worked" in a past digest has lines to count. Each agent's list held up to
        their daily capacity of the accounts assigned to them: mostly ones someone attempted that
        day, the rest ones nobody reached. Today's lists are left to the morning run.

        Drawn from a random.Random of their own, after everything else: the rest of the demo is the
        same rows with or without them."""
        rng = random.Random(f"worklists-{self.seed}")
        attempted: set[tuple[int, date]] = {
            (account.number, self.local_day(contact.at))
            for account in accounts
            for contact in account.contacts
        }
        owned: dict[str, list[_Account]] = {agent: [] for agent in AGENTS}
        for account in accounts:
            if account.assigned_to in owned:
                owned[account.assigned_to].append(account)
        lines: list[tuple[date, str, _Account, int]] = []
        for day in self.workdays_between(self.history_start, self.today - timedelta(days=1)):
            for agent in AGENTS:
                live = [a for a in owned[agent] if a.start <= day]
                worked = [a for a in live if (a.number, day) in attempted]
                # Paid or held by today: they may have left the lists any time, so only worked ones show.
                idle = [
                    a for a in live if (a.number, day) not in attempted and a.status == AccountStatus.ACTIVE
                ]
                on_list = rng.sample(
                    worked, min(len(worked), round(DAILY_CAPACITY * rng.uniform(*WORKED_SHARE)))
                )
                on_list += rng.sample(idle, min(len(idle), DAILY_CAPACITY - len(on_list)))
                rng.shuffle(on_list)
                lines.extend((day, agent, account, rank) for rank, account in enumerate(on_list, 1))
        return lines

    def _keep_call_limits(self, account: _Account) -> None:
        """Regulation F: no 8th call in 7 days, no call within 7 days of a phone conversation. A
        call that would break them becomes a text or an email (a pinned one only when it must)."""
        while (found := self._call_violation(account.contacts)) is not None:
            contact = account.contacts[found]
            contact.channel = Channel.SMS if account.customer.phone else Channel.EMAIL
            if not contact.pinned:
                contact.outcome = _weighted(self.rng, OUTCOMES[contact.channel])
                contact.notes = None
                contact.callback_on = None

    def _call_violation(self, contacts: list[_Contact]) -> int | None:
        """The call to change: the first one that breaks a limit, or what made it break one."""
        calls: list[tuple[int, date]] = []
        for index, contact in enumerate(contacts):
            if contact.channel != Channel.CALL:
                continue
            day = self.local_day(contact.at)
            window = [(i, d) for i, d in calls if d >= day - timedelta(days=6)]
            conversations = [i for i, d in window if contacts[i].outcome in RIGHT_PARTY_OUTCOMES]
            if conversations or len(window) >= 7:
                if not contact.pinned:
                    return index
                movable = [i for i in (conversations or [i for i, _ in window]) if not contacts[i].pinned]
                return movable[-1] if movable else index
            calls.append((index, day))
        return None


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_NOT_DECOMPOSED))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum()).lower()


_NOT_DECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss"})


# --- writing -----------------------------------------------------------------------------------------------


def seed_demo(db: Database, *, seed: int, now: datetime, zone: ZoneInfo) -> DemoTeam:
    """Writes the demo team and portfolio into an empty, migrated database, in one transaction."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    generator = _Generator(seed, now, zone)
    accounts = generator.accounts()
    now_utc = generator.now
    with db.transaction() as session:
        _check_empty(session)
        _write_team(session, generator)
        figures = _write_portfolio(session, generator, accounts)
        session.execute(
            insert(AuditEntry),
            [
                {
                    "at": now_utc,
                    "actor": ACTOR,
                    "action": "demo.seeded",
                    "entity": "sandbox",
                    "entity_key": f"seed-{seed}",
                    "before": None,
                    "after": {
                        "seed": seed,
                        "now": now_utc.isoformat(),
                        "zone": zone.key,
                        "members": len(MEMBERS),
                        "accounts": figures.accounts,
                        "contacts": figures.contacts,
                        "payments": figures.payments,
                        "promises": figures.promises,
                        "escalations": 1,
                    },
                }
            ],
        )
    return DemoTeam(agents=AGENTS, supervisors=SUPERVISORS, managers=MANAGERS)


def _check_empty(session: Session) -> None:
    for model in (Agent, Account):
        if session.scalar(select(func.count()).select_from(model)):
            raise DemoDatabaseNotEmptyError(
                f"the database already has {model.__tablename__}: the demo goes into an empty one"
            )


def _write_team(session: Session, generator: _Generator) -> None:
    joined = generator.at(generator.today - timedelta(days=400), 9 * HOUR)
    session.execute(
        _bulk(Agent),
        [
            {
                "slack_user_id": member.slack_user_id,
                "name": member.name,
                "role": str(member.role),
                "daily_capacity": DAILY_CAPACITY if is_front_line(member.role) else None,
                "languages": member.languages,
                "timezone": generator.zone.key,
                "approval_limit": Decimal(member.approval_limit) if member.approval_limit else None,
                "monthly_target": None,
                "tier": member.tier,
                "locale": member.locale,
                "active": True,
                "created_at": joined,
                "updated_at": joined,
            }
            for member in MEMBERS
        ],
    )


def _bulk(model: type[Base]) -> Insert:
    """An ORM bulk INSERT that writes NULLs as given: without render_nulls, rows whose None columns
    differ go in separate batches, and the contacts alone would take thousands of statements."""
    return insert(model).execution_options(render_nulls=True)


def _write_portfolio(session: Session, generator: _Generator, accounts: list[_Account]) -> _Figures:
    session.execute(_bulk(Account), [_account_row(generator, account) for account in accounts])
    pks: dict[str, int] = dict(session.execute(select(Account.account_key, Account.id)).all())
    contacts: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    promises: list[dict[str, Any]] = []
    plan_escalation: int | None = None
    for account in accounts:
        pk = pks[account_key(account.account_id)]
        contacts.extend(
            {
                "account_pk": pk,
                "at": c.at,
                "channel": str(c.channel),
                "outcome": str(c.outcome),
                "agent": c.agent,
                "notes": c.notes,
                "callback_on": c.callback_on,
                "source": SLACK,
                "dedupe_key": None,
                "created_at": c.at,
            }
            for c in account.contacts
        )
        payments.extend(
            {
                "account_pk": pk,
                "amount": _money(p.cents),
                "currency": account.currency,
                "method": str(p.method),
                "reference": p.reference,
                "payer": p.payer,
                "received_at": p.at,
                "recorded_by": p.recorded_by,
                "source": p.source,
                "dedupe_key": None,
                "created_at": p.at,
            }
            for p in account.payments
        )
        if account.plan is not None:
            plan_escalation = _write_plan(session, pk, account)
        promises.extend(
            {
                "account_pk": pk,
                "amount": _money(p.cents),
                "currency": account.currency,
                "due_date": p.due_date,
                "status": str(p.status),
                "paid_toward": _money(p.paid_toward_cents),
                "made_by": p.made_by,
                "made_at": p.call.at if p.call is not None else p.made_at,
                "resolved_at": p.resolved_at,
                "plan_escalation_id": plan_escalation if p.instalment is not None else None,
                "instalment": p.instalment,
            }
            for p in sorted(account.promises, key=lambda promise: promise.made_at)
        )
    worklists = [
        {
            "work_date": day,
            "account_pk": pks[account_key(account.account_id)],
            "agent": agent,
            "rank": rank,
            "score": 0.0,
            "reasons": [],
        }
        for day, agent, account, rank in generator.past_worklists(accounts)
    ]
    for rows, model in (
        (contacts, Contact),
        (payments, Payment),
        (promises, Promise),
        (worklists, Assignment),
    ):
        if rows:
            session.execute(_bulk(model), rows)
    return _Figures(len(accounts), len(contacts), len(payments), len(promises))


def _write_plan(session: Session, pk: int, account: _Account) -> int:
    plan = account.plan
    assert plan is not None
    row = {
        "account_pk": pk,
        "kind": str(EscalationKind.PAYMENT_PLAN),
        "amount": plan["amount"],
        "currency": account.currency,
        "instalments": plan["instalments"],
        "until": None,
        "reason": plan["reason"],
        "status": str(EscalationStatus.APPROVED),
        "requested_by": plan["requested_by"],
        "requested_at": plan["request"].at,
        "recommended_by": None,
        "recommended_at": None,
        "decided_by": plan["decided_by"],
        "decided_at": plan["decided_at"],
        "comment": plan["comment"],
        "channel": SUPERVISOR_CHANNEL,
        "message_ts": None,
    }
    escalation_id: int = session.execute(insert(Escalation).returning(Escalation.id), row).scalar_one()
    return escalation_id


def _postal_address(seed: int, account_id: str, region: str) -> dict[str, str | None]:
    """Most customers have an address to write to. Drawn from the account's own generator, so
    adding addresses changed nothing else a seed makes."""
    rng = random.Random(f"address-{seed}-{account_id}")
    if region not in STREETS or rng.random() >= ADDRESS_SHARE:
        # Every row names every column: the rows go in as one executemany.
        return dict.fromkeys(("address_line1", "city", "region", "postal_code", "country"))
    city, area, postal_prefix, country = rng.choice(TOWNS[region])
    digits = 8 - len(postal_prefix)
    return {
        "address_line1": f"{rng.choice(STREETS[region])} {rng.randrange(1, 900)}"
        if region != "US"
        else f"{rng.randrange(1, 900)} {rng.choice(STREETS[region])}",
        "city": city,
        "region": area,
        "postal_code": postal_prefix + "".join(str(rng.randrange(10)) for _ in range(max(2, min(digits, 3)))),
        "country": country,
    }


def _product(seed: int, account_id: str) -> str | None:
    """Drawn from the account's own generator, like its address: adding products changed nothing
    else a seed makes."""
    return _weighted(random.Random(f"product-{seed}-{account_id}"), PRODUCTS)


def _itemization(generator: _Generator, account: _Account) -> dict[str, Any]:
    """US accounts itemized from the day they were placed (Regulation F's validation notice): what
    was owed then is the balance plus the payments since, no interest or fees added."""
    if account.currency != "USD":
        return dict.fromkeys(("itemization_date", "itemization_amount", "interest_since", "fees_since"))
    paid = sum(p.cents for p in account.payments if generator.local_day(p.at) > account.placed_on)
    return {
        "itemization_date": account.placed_on,
        "itemization_amount": _money(account.balance_cents + paid),
        "interest_since": Decimal(0),
        "fees_since": Decimal(0),
    }


def _account_row(generator: _Generator, account: _Account) -> dict[str, Any]:
    customer = account.customer
    contacts = account.contacts
    conversations = [c.at for c in contacts if c.outcome in RIGHT_PARTY_OUTCOMES]
    last_payment = max(account.payments, key=lambda payment: payment.at, default=None)
    placed = generator.at(account.placed_on, 7 * HOUR)
    return {
        "account_id": account.account_id,
        "account_key": account_key(account.account_id),
        "customer_name": customer.name,
        "customer_id": customer.customer_id,
        "phone": customer.phone,
        "email": customer.email,
        **_postal_address(generator.seed, account.account_id, customer.region),
        **_itemization(generator, account),
        "product": _product(generator.seed, account.account_id),
        "customer_timezone": customer.timezone,
        "language": customer.language if customer.language_recorded else None,
        "currency": account.currency,
        "balance": _money(account.balance_cents),
        "original_amount": _money(account.original_cents),
        "due_date": account.due_date,
        "last_payment_date": generator.local_day(last_payment.at) if last_payment else None,
        "last_payment_amount": _money(last_payment.cents) if last_payment else None,
        "assigned_to": account.assigned_to,
        "status": str(account.status),
        "hold_reason": account.hold_reason,
        "risk_score": account.risk_score,
        "last_contact_at": contacts[-1].at if contacts else None,
        "last_conversation_at": max(conversations) if conversations else None,
        "callback_on": contacts[-1].callback_on if contacts else None,
        "hold_until": None,
        "settlement_amount": None,
        "settlement_approved_at": None,
        "written_off_amount": None,
        "created_at": placed,
        "updated_at": generator.now,
    }
