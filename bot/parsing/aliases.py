"""The team's own words for `/collect`: what Portuguese (Brazil) and Spanish speakers type for a
subcommand, a contact's channel and outcome, a payment method, an escalation's kind and a document's kind, each
mapped to the English word the parser knows. Accepted whatever the person's language: none of
them is an English word the bot knows, and a word two languages share means the same in both
(tests/test_parsing_aliases.py holds both to it).

Written as collections teams say them (`cpc`, `caixa-postal`, `acordo`, `quita`), with and
without accents, as people type fast; several words to a phrase are joined by hyphens, as the
English outcomes are (`sem-resposta`, `número-errado`)."""

from __future__ import annotations

import unicodedata
from typing import TypeVar

from bot.correspondence.model import DocumentKind
from bot.language.model import N_
from bot.vocabulary import Channel, ComplaintCategory, EscalationKind, Outcome, PaymentMethod

# The languages, by the locale codes the roster uses, with their names as the help says them.
LANGUAGES: dict[str, str] = {"pt-BR": N_("Portuguese"), "es": N_("Spanish")}

SUBCOMMAND_ALIASES: dict[str, dict[str, str]] = {
    "pt-BR": {
        "ajuda": "help",
        "conta": "account",
        "registrar": "log",
        "contato": "log",
        "pagar": "pay",
        "pagamento": "pay",
        "promessa": "promise",
        "minha": "mine",
        "meus": "mine",
        "ausente": "away",
        "ausencia": "away",
        "ausência": "away",
        "atribuir": "assign",
        "escalar": "escalate",
        "escalonamentos": "escalations",
        "alertas": "alerts",
        "relatorio": "report",
        "relatório": "report",
        "meta": "target",
        "equipe": "team",
        "suspender": "hold",
        "liberar": "release",
        "excecao": "override",
        "exceção": "override",
        "reclamacao": "complaint",
        "reclamação": "complaint",
        "reclamacoes": "complaints",
        "reclamações": "complaints",
        "enviar": "send",
        "estrategia": "strategy",
        "estratégia": "strategy",
    },
    "es": {
        "ayuda": "help",
        "cuenta": "account",
        "registrar": "log",
        "gestion": "log",
        "gestión": "log",
        "pagar": "pay",
        "pago": "pay",
        "promesa": "promise",
        "mis": "mine",
        "mia": "mine",
        "mía": "mine",
        "ausente": "away",
        "ausencia": "away",
        "asignar": "assign",
        "escalar": "escalate",
        "escalamientos": "escalations",
        "alertas": "alerts",
        "informe": "report",
        "reporte": "report",
        "meta": "target",
        "equipo": "team",
        "suspender": "hold",
        "liberar": "release",
        "excepcion": "override",
        "excepción": "override",
        "queja": "complaint",
        "quejas": "complaints",
        "enviar": "send",
        "estrategia": "strategy",
    },
}

STRATEGY_ACTION_ALIASES: dict[str, dict[str, str]] = {
    "pt-BR": {"promover": "promote", "encerrar": "stop", "parar": "stop"},
    "es": {"promover": "promote", "detener": "stop", "terminar": "stop"},
}
"""`/collect strategy promote|stop NAME` (`/collect estratégia promover early`)."""

CHANNEL_ALIASES: dict[str, dict[str, Channel]] = {
    "pt-BR": {
        "ligacao": Channel.CALL,
        "ligação": Channel.CALL,
        "telefone": Channel.CALL,
        "mensagem": Channel.SMS,
        "carta": Channel.LETTER,
        "visita": Channel.VISIT,
    },
    "es": {
        "llamada": Channel.CALL,
        "telefono": Channel.CALL,
        "teléfono": Channel.CALL,
        "correo": Channel.EMAIL,
        "mensaje": Channel.SMS,
        "carta": Channel.LETTER,
        "visita": Channel.VISIT,
    },
}

OUTCOME_ALIASES: dict[str, dict[str, Outcome]] = {
    "pt-BR": {
        "sem-resposta": Outcome.NO_ANSWER,
        "nao-atende": Outcome.NO_ANSWER,
        "não-atende": Outcome.NO_ANSWER,
        "recado": Outcome.LEFT_MESSAGE,
        "caixa-postal": Outcome.LEFT_MESSAGE,
        "correio-de-voz": Outcome.LEFT_MESSAGE,
        "cpc": Outcome.RIGHT_PARTY,
        "titular": Outcome.RIGHT_PARTY,
        "terceiro": Outcome.THIRD_PARTY,
        "numero-errado": Outcome.WRONG_NUMBER,
        "número-errado": Outcome.WRONG_NUMBER,
        "recusou": Outcome.REFUSED,
        "recusa": Outcome.REFUSED,
        "contestacao": Outcome.DISPUTE,
        "contestação": Outcome.DISPUTE,
        "retorno": Outcome.CALLBACK,
    },
    "es": {
        "sin-respuesta": Outcome.NO_ANSWER,
        "no-contesta": Outcome.NO_ANSWER,
        "buzon": Outcome.LEFT_MESSAGE,
        "buzón": Outcome.LEFT_MESSAGE,
        "buzon-de-voz": Outcome.LEFT_MESSAGE,
        "buzón-de-voz": Outcome.LEFT_MESSAGE,
        "mensaje-de-voz": Outcome.LEFT_MESSAGE,
        "titular": Outcome.RIGHT_PARTY,
        "contacto-directo": Outcome.RIGHT_PARTY,
        "tercero": Outcome.THIRD_PARTY,
        "numero-equivocado": Outcome.WRONG_NUMBER,
        "número-equivocado": Outcome.WRONG_NUMBER,
        "rechazo": Outcome.REFUSED,
        "se-niega": Outcome.REFUSED,
        "disputa": Outcome.DISPUTE,
        "reclamo": Outcome.DISPUTE,
        "volver-a-llamar": Outcome.CALLBACK,
        "rellamada": Outcome.CALLBACK,
    },
}

METHOD_ALIASES: dict[str, dict[str, PaymentMethod]] = {
    "pt-BR": {
        "cartao": PaymentMethod.CARD,
        "cartão": PaymentMethod.CARD,
        "ted": PaymentMethod.WIRE,
        "transferencia": PaymentMethod.WIRE,
        "transferência": PaymentMethod.WIRE,
        "dinheiro": PaymentMethod.CASH,
        "outro": PaymentMethod.OTHER,
    },
    "es": {
        "tarjeta": PaymentMethod.CARD,
        "transferencia": PaymentMethod.WIRE,
        "efectivo": PaymentMethod.CASH,
        "otro": PaymentMethod.OTHER,
    },
}

KIND_ALIASES: dict[str, dict[str, EscalationKind]] = {
    "pt-BR": {
        "parcelamento": EscalationKind.PAYMENT_PLAN,
        "acordo": EscalationKind.SETTLEMENT,
        "baixa": EscalationKind.WRITE_OFF,
        "juridico": EscalationKind.LEGAL,
        "jurídico": EscalationKind.LEGAL,
        "carencia": EscalationKind.HARDSHIP,
        "carência": EscalationKind.HARDSHIP,
        "contestacao": EscalationKind.DISPUTE_REVIEW,
        "contestação": EscalationKind.DISPUTE_REVIEW,
    },
    "es": {
        "convenio": EscalationKind.PAYMENT_PLAN,
        "plan-de-pagos": EscalationKind.PAYMENT_PLAN,
        "quita": EscalationKind.SETTLEMENT,
        "castigo": EscalationKind.WRITE_OFF,
        "judicial": EscalationKind.LEGAL,
        "dificultad": EscalationKind.HARDSHIP,
        "disputa": EscalationKind.DISPUTE_REVIEW,
    },
}


CATEGORY_ALIASES: dict[str, dict[str, ComplaintCategory]] = {
    "pt-BR": {
        "tarifas": ComplaintCategory.FEES,
        "cobrancas": ComplaintCategory.FEES,
        "cobranças": ComplaintCategory.FEES,
        "conduta": ComplaintCategory.CONDUCT,
        "divida-errada": ComplaintCategory.WRONG_DEBT,
        "dívida-errada": ComplaintCategory.WRONG_DEBT,
        "privacidade": ComplaintCategory.PRIVACY,
        "atendimento": ComplaintCategory.SERVICE,
        "outros": ComplaintCategory.OTHER,
    },
    "es": {
        "comisiones": ComplaintCategory.FEES,
        "cargos": ComplaintCategory.FEES,
        "conducta": ComplaintCategory.CONDUCT,
        "deuda-equivocada": ComplaintCategory.WRONG_DEBT,
        "privacidad": ComplaintCategory.PRIVACY,
        "servicio": ComplaintCategory.SERVICE,
        "atencion": ComplaintCategory.SERVICE,
        "atención": ComplaintCategory.SERVICE,
        "otros": ComplaintCategory.OTHER,
    },
}

DOCUMENT_ALIASES: dict[str, dict[str, DocumentKind]] = {
    "pt-BR": {
        "extrato": DocumentKind.STATEMENT,
        "lembrete": DocumentKind.REMINDER,
        "aviso-final": DocumentKind.FINAL_NOTICE,
        "notificacao-final": DocumentKind.FINAL_NOTICE,
        "notificação-final": DocumentKind.FINAL_NOTICE,
        "confirmacao-de-promessa": DocumentKind.PROMISE_CONFIRMATION,
        "confirmação-de-promessa": DocumentKind.PROMISE_CONFIRMATION,
        "confirmacao-de-parcelamento": DocumentKind.PLAN_CONFIRMATION,
        "confirmação-de-parcelamento": DocumentKind.PLAN_CONFIRMATION,
        "proposta-de-acordo": DocumentKind.SETTLEMENT_OFFER,
        "notificacao-de-validacao": DocumentKind.VALIDATION_NOTICE,
        "notificação-de-validação": DocumentKind.VALIDATION_NOTICE,
        "verificacao": DocumentKind.VERIFICATION,
        "verificação": DocumentKind.VERIFICATION,
    },
    "es": {
        "estado-de-cuenta": DocumentKind.STATEMENT,
        "extracto": DocumentKind.STATEMENT,
        "recordatorio": DocumentKind.REMINDER,
        "aviso-final": DocumentKind.FINAL_NOTICE,
        "confirmacion-de-promesa": DocumentKind.PROMISE_CONFIRMATION,
        "confirmación-de-promesa": DocumentKind.PROMISE_CONFIRMATION,
        "confirmacion-de-convenio": DocumentKind.PLAN_CONFIRMATION,
        "confirmación-de-convenio": DocumentKind.PLAN_CONFIRMATION,
        "oferta-de-quita": DocumentKind.SETTLEMENT_OFFER,
        "aviso-de-validacion": DocumentKind.VALIDATION_NOTICE,
        "aviso-de-validación": DocumentKind.VALIDATION_NOTICE,
        "verificacion": DocumentKind.VERIFICATION,
        "verificación": DocumentKind.VERIFICATION,
    },
}
"""A document's kind for `/collect send` (`/collect enviar ACC-1042 extrato carta`)."""

TREND_ALIASES: dict[str, dict[str, str]] = {
    "pt-BR": {
        "--tendencia": "--trend",
        "--tendência": "--trend",
        "--evolucao": "--trend",
        "--evolução": "--trend",
    },
    "es": {"--tendencia": "--trend", "--evolucion": "--trend", "--evolución": "--trend"},
}
"""`/collect report @ana --trend`: the 13 weeks against the team's median (`/collect relatorio @ana
--tendencia`, `/collect informe @ana --tendencia`)."""

Word = TypeVar("Word")


def every_language(table: dict[str, dict[str, Word]]) -> dict[str, Word]:
    """One table's words of all the languages together: the parser accepts them from anyone."""
    merged: dict[str, Word] = {}
    for words in table.values():
        merged |= words
    return merged


def subcommand_word(typed: str) -> str:
    """The English subcommand a typed first word stands for (`conta` → `account`); any other word
    as typed, lower-cased."""
    word = typed.lower()
    return _SUBCOMMANDS.get(word, word)


def help_aliases(table: dict[str, dict[str, Word]], language: str) -> list[tuple[str, list[str]]]:
    """For the help in `language`: each English word of the table (a subcommand, a channel, …) with
    the words of that language for it, in the table's order (an accented word without its
    unaccented spelling: the help shows words as they are written)."""
    by_english: dict[str, list[str]] = {}
    words = table.get(language, {})
    for alias, english in words.items():
        if not _unaccented_twin(alias, words):
            by_english.setdefault(str(english), []).append(alias)
    return list(by_english.items())


def _unaccented_twin(alias: str, words: dict[str, Word]) -> bool:
    """`relatorio` beside `relatório`: the help shows the word as it is written."""
    return alias.isascii() and any(
        other != alias and not other.isascii() and _plain(other) == alias for other in words
    )


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


_SUBCOMMANDS: dict[str, str] = every_language(SUBCOMMAND_ALIASES)
