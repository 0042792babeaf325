"""The Presidio recognisers we run: offline email validation, addresses, names after cues, national ids."""

from __future__ import annotations

from functools import lru_cache

import tldextract
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    EsNieRecognizer,
    EsNifRecognizer,
    IbanRecognizer,
    IpRecognizer,
    ItFiscalCodeRecognizer,
    PhoneRecognizer,
    UkNinoRecognizer,
    UkPostcodeRecognizer,
    UsSsnRecognizer,
)

from signals.pii import LANGUAGE

PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IE", "CA", "AU", "IN", "BR", "MX")

_STREET_WORDS = (
    r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|terrace|close|"
    r"crescent|highway|hwy|parkway|pkwy|square|sq|circle|cir|trail|row|mews|gardens|grove)"
)
_ADDRESS_PATTERNS = [
    # "221B Baker Street", "1600 Pennsylvania Ave NW, Apt 4", "12 rue de la Paix"
    Pattern(
        "street number first",
        r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Za-zÀ-ÿ'.-]+\s){0,4}?(?i:" + _STREET_WORDS + r")\b\.?"
        r"(?:\s*(?:[NSEW]{1,2}\b))?(?:,?\s*(?i:apt|apartment|unit|suite|ste|flat|#)\.?\s*[\w-]+)?",
        0.6,
    ),
    Pattern(
        "continental street",
        r"\b(?i:rue|avenue|boulevard|calle|avenida|plaza|via|viale|piazza|rua|travessa)\s+"
        r"(?:[A-Za-zÀ-ÿ'.-]+\s){0,4}?\d{1,5}[a-z]?\b|\b\d{1,5}[a-z]?,?\s+(?i:rue|avenue|boulevard|bd|allée|chemin)"
        r"\s+(?:[A-Za-zÀ-ÿ'.-]+\s?){1,5}",
        0.6,
    ),
    Pattern(
        "german street",
        r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|allee|platz|ring)\s+\d{1,4}[a-z]?\b",
        0.6,
    ),
    # Whatever follows an address cue up to the end of the clause, when it holds a number: the whole address
    # ("I live at 52/01 Sabharwal Chowk, Kakinada 034699", "ship to Viela Alves, 82, 23786835 Dias de Montenegro").
    Pattern(
        "clause after address cue",
        r"(?<=(?i:\b(?:live at|living at|lives at|address(?: is| will be| should be| should say)?:?|ship(?:ped)? to|"
        r"deliver(?:ed|y)?(?: it)? to|send (?:it|them|a replacement|the \w+) to|new address:?|old address:?))\s+)"
        r"(?=[^.?!]{0,60}\d)\S[^?!]*?(?=\s*(?:[.?!](?:\s|$)|\s(?i:but|not|and|rather|instead|please|thanks)\b|$))",
        0.5,
    ),
    Pattern("po box", r"\b(?i:p\.?\s?o\.?\s?box|postfach|apartado)\s+\d{1,6}\b", 0.6),
    # "…, 10115 Berlin", "…, 75002 Paris": a postal code right after a comma, then a place name.
    Pattern("postal code and city", r"(?<=,\s?)\d{4,5}\s+[A-ZÀ-Þ][a-zà-ÿ]+(?:[\s-][A-ZÀ-Þ][a-zà-ÿ]+)?\b", 0.5),
    Pattern("us city state zip", r"\b[A-Z][a-zA-Z]+(?:\s[A-Z][a-zA-Z]+)?,\s*(?:[A-Z]{2})\s+\d{5}(?:-\d{4})?\b", 0.6),
]
_NAME_PATTERNS = [
    # spaCy's small model misses lower-case and foreign names; an explicit self-introduction is a strong cue.
    Pattern(
        "name after cue",
        r"(?<=(?i:\b(?:my name is|my name's|name:|this is|i am|i'm|signed|regards,?|sincerely,?|"
        r"me llamo|je m'appelle|ich heiße|ich heisse|mi chiamo))\s+)"
        r"[A-Z][a-zà-ÿ'-]+(?:\s+[A-Z][a-zà-ÿ'-]+){0,2}",
        0.5,
    ),
    Pattern("lower-case name after strong cue", r"(?<=(?i:\bmy name is)\s+)[a-z][a-z'-]+(?:\s+[a-z][a-z'-]+)?", 0.4),
    # A sign-off at the end of a message: "cheers, Siobhan", "thanks - Tom Baker".
    Pattern(
        "name in sign-off",
        r"(?<=(?i:\b(?:cheers|thanks|thank you|best|best regards|kind regards|many thanks|ta|bye|saludos|"
        r"cordialement|grüße|gruss|grazie))\s*[,\-–]?\s+)[A-Z][a-zà-ÿ'-]+(?:\s+[A-Z][a-zà-ÿ'-]+){0,2}\s*[.!]?\s*$",
        0.5,
    ),
    # A relation or an action aimed at a person, then a first and last name: "my son Oliver Thompson".
    Pattern(
        "name after relation",
        r"(?<=(?i:\b(?:son|daughter|wife|husband|partner|colleague|manager|boss|cfo|ceo|cto|friend|mother|father|"
        r"mom|mum|dad|brother|sister|contact|call|email|bill|ask for|speak to|speak with|talk to|addressed to|"
        r"signed by|named|called))\s+)[A-Z][a-zà-ÿ'-]+(?:\s+[A-Z][a-zà-ÿ'-]+){1,2}\b",
        0.45,
    ),
]
# Card numbers that fail the Luhn check (typos) are still card numbers to the customer: mask 4x4 groups too.
_GROUPED_CARD = [Pattern("grouped 16 digits", r"\b\d{4}([ -])\d{4}\1\d{4}\1\d{4}\b", 0.45)]


# Any Luhn-valid 13-19 digit number right after a card cue ("my card 2623…", "charge 2720…", "pay with 3005 9418 …"):
# Presidio's own regex misses Mastercard 2-series and 14-digit Diners groupings.
_CARD_AFTER_CUE = [
    Pattern(
        "card number after cue",
        r"(?<=(?i:\b(?:card|cards|charged?|pay(?:ing)? with|number))(?:\W+(?i:[a-z]+)){0,2}?\W{1,3})"
        r"\d{4}[ -]?\d{2,6}[ -]?\d{2,6}[ -]?\d{1,6}(?:[ -]?\d{1,3})?\b",
        0.6,
    )
]
# Identity numbers that only mean something next to their name: a date after "born"/"DOB", nine digits after "SSN".
_DATE = r"(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|[A-Z][a-z]+\.? \d{1,2},? \d{4}|\d{1,2}\.? [A-Z][a-z]+\.? \d{4})"
_BIRTH_DATE = [
    Pattern(
        "date after birth cue",
        r"(?<=(?i:\b(?:dob|d\.o\.b\.?|date of birth|born(?: on)?|birthday|birth date))\W{0,3}(?:(?i:is|was)\s+)?)"
        + _DATE,
        0.6,
    )
]
_SSN_AFTER_CUE = [
    Pattern(
        "ssn after cue",
        r"(?<=(?i:\b(?:ssn|social security(?: number)?))\W{0,3}(?:(?i:is|was|number)\s+)?)\d{3}[- ]?\d{2}[- ]?\d{4}\b",
        0.6,
    )
]
# A letter and seven digits is a US licence number format; alone it is too common, so it needs a licence cue nearby.
_LICENCE = [
    Pattern("letter and seven digits after cue", r"(?<=(?i:\blicen[cs]e)(?:\W+[a-z]+){0,3}?\W{1,3})[A-Z]\d{7}\b", 0.6)
]

# libphonenumber rejects numbers outside allocated ranges (e.g. UK 07700 900xxx); a leading "+" and country code
# is enough evidence that the customer typed a phone number.
_INTERNATIONAL_PHONE = [Pattern("international phone", r"(?<![\w+])\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}\b", 0.5)]


@lru_cache(maxsize=1)
def _offline_tld_extractor() -> tldextract.TLDExtract:
    # The module-level extractor tries to download the public-suffix list; the bundled snapshot is enough.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


class LuhnPatternRecognizer(PatternRecognizer):
    """A pattern recogniser whose matches must pass the Luhn checksum (card numbers)."""

    def validate_result(self, pattern_text: str) -> bool:
        """True when the digits pass the Luhn check."""
        digits = [int(c) for c in pattern_text if c.isdigit()]
        if not 13 <= len(digits) <= 19:
            return False
        total = 0
        for index, digit in enumerate(reversed(digits)):
            if index % 2:
                digit = digit * 2 - 9 if digit > 4 else digit * 2
            total += digit
        return total % 10 == 0


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recogniser, validating the domain against the bundled public-suffix snapshot."""

    def validate_result(self, pattern_text: str) -> bool:
        """True when the address ends in a known public suffix."""
        return _offline_tld_extractor()(pattern_text).fqdn != ""


def pattern_recognizers() -> list[EntityRecognizer]:
    """Recognisers that need no NER: regexes, checksums and phone-number parsing."""
    return [
        OfflineEmailRecognizer(supported_language=LANGUAGE),
        PhoneRecognizer(supported_language=LANGUAGE, supported_regions=PHONE_REGIONS),
        PatternRecognizer(
            supported_entity="PHONE_NUMBER",
            patterns=_INTERNATIONAL_PHONE,
            supported_language=LANGUAGE,
            name="InternationalPhoneRecognizer",
        ),
        CreditCardRecognizer(supported_language=LANGUAGE),
        PatternRecognizer(
            supported_entity="CREDIT_CARD",
            patterns=_GROUPED_CARD,
            supported_language=LANGUAGE,
            name="GroupedCardNumberRecognizer",
        ),
        LuhnPatternRecognizer(
            supported_entity="CREDIT_CARD",
            patterns=_CARD_AFTER_CUE,
            supported_language=LANGUAGE,
            name="CardAfterCueRecognizer",
            global_regex_flags=0,
        ),
        IbanRecognizer(supported_language=LANGUAGE),
        IpRecognizer(supported_language=LANGUAGE),
        PatternRecognizer(
            supported_entity="DATE_OF_BIRTH",
            patterns=_BIRTH_DATE,
            supported_language=LANGUAGE,
            name="BirthDateRecognizer",
            global_regex_flags=0,
        ),
        PatternRecognizer(
            supported_entity="US_SSN",
            patterns=_SSN_AFTER_CUE,
            supported_language=LANGUAGE,
            name="SsnAfterCueRecognizer",
            global_regex_flags=0,
        ),
        PatternRecognizer(
            supported_entity="DRIVER_LICENSE",
            patterns=_LICENCE,
            supported_language=LANGUAGE,
            name="DriverLicenceRecognizer",
            global_regex_flags=0,
        ),
        UsSsnRecognizer(supported_language=LANGUAGE),
        UkNinoRecognizer(supported_language=LANGUAGE),
        EsNifRecognizer(supported_language=LANGUAGE),
        EsNieRecognizer(supported_language=LANGUAGE),
        ItFiscalCodeRecognizer(supported_language=LANGUAGE),
        # Presidio scores a bare UK postcode 0.1 unless a context word is near; a postcode is PII on its own.
        UkPostcodeRecognizer(
            supported_language=LANGUAGE,
            patterns=[Pattern("UK postcode", UkPostcodeRecognizer.PATTERNS[0].regex, 0.5)],
        ),
        PatternRecognizer(
            supported_entity="ADDRESS",
            patterns=_ADDRESS_PATTERNS,
            supported_language=LANGUAGE,
            name="AddressRecognizer",
            global_regex_flags=0,
        ),
        PatternRecognizer(
            supported_entity="PERSON",
            patterns=_NAME_PATTERNS,
            supported_language=LANGUAGE,
            name="CueNameRecognizer",
            global_regex_flags=0,
        ),
    ]
