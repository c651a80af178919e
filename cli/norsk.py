"""Click's own words in Norwegian bokmål: help headings, the --help option, usage errors.

Click marks its user-facing strings for gettext (`from gettext import gettext as _` in each of
its modules) but ships no translations, so `regiongraf --help` said "Usage:", "Options:" and
"Show this message and exit.", and a missing argument "Missing argument". `install()` puts a
translating `_` and `ngettext` into those modules: every verb's help and every usage error is
Norwegian, whatever the machine's locale. A string not in the table stays as Click wrote it
(tests/test_cli.py checks help and errors for every verb). Installed by cli/__init__.py, before
any verb is defined, since click.Path names itself when it is created.

The parameter types' names are Click's metavars ("INTEGER") and part of its messages ("'x' is
not a valid integer."), so they are renamed too.
"""

from __future__ import annotations

import importlib

import click
import click.types

# Click's message ids (Click 8.1-8.3) -> Norwegian; the {placeholders} are Click's own.
MESSAGES = {
    "Usage:": "Bruk:",
    "Options": "Valg",
    "Commands": "Verb",
    "Positional arguments": "Argumenter",
    "Show this message and exit.": "Vis denne hjelpen og avslutt.",
    "Show the version and exit.": "Vis versjonen og avslutt.",
    "%(prog)s, version %(version)s": "%(prog)s, versjon %(version)s",
    "Aborted!": "Avbrutt.",
    "deprecated": "utgått",
    "Missing command.": "Mangler verb.",
    "Value must be an iterable.": "Verdien må være en liste.",
    "env var: {var}": "miljøvariabel: {var}",
    "default: {default}": "standard: {default}",
    "required": "påkrevd",
    "(dynamic)": "(dynamisk)",
    "Do you want to continue?": "Vil du fortsette?",
    "Confirm the action without prompting.": "Bekreft uten å spørre.",
    "Missing argument": "Mangler argument",
    "Missing option": "Mangler valg",
    "Missing parameter": "Mangler parameter",
    "Missing parameter: {param_name}": "Mangler parameter: {param_name}",
    "Missing {param_type}": "Mangler {param_type}",
    "argument": "argument",
    "option": "valg",
    "parameter": "parameter",
    "unknown error": "ukjent feil",
    "Invalid value for {param_hint}: {message}": "Ugyldig verdi for {param_hint}: {message}",
    "Invalid value: {message}": "Ugyldig verdi: {message}",
    "Could not open file {filename!r}: {message}": "Kunne ikke åpne filen {filename!r}: {message}",
    "Error: {message}": "Feil: {message}",
    "Try '{command} {option}' for help.": "Se '{command} {option}' for hjelp.",
    "No such option {name!r}.": "Ukjent valg {name!r}.",
    "No such option: {name}": "Ukjent valg: {name}",
    "No such command {name!r}.": "Ukjent verb {name!r}.",
    "Did you mean {possibility}?": "Mente du {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Mente du en av: {possibilities}?)",
    "Got unexpected extra argument ({args})": "Fikk et uventet ekstra argument ({args})",
    "Got unexpected extra arguments ({args})": "Fikk uventede ekstra argumenter ({args})",
    "Takes {nargs} values but 1 was given.": "Tar {nargs} verdier, men fikk 1.",
    "Takes {nargs} values but {len} were given.": "Tar {nargs} verdier, men fikk {len}.",
    "Invalid start character for option ({option})": "Ugyldig første tegn i valget ({option})",
    "Option {name!r} does not take a value.": "Valget {name!r} tar ingen verdi.",
    "Option {name!r} requires an argument.": "Valget {name!r} trenger en verdi.",
    "Option {name!r} requires {nargs} arguments.": "Valget {name!r} trenger {nargs} verdier.",
    "Argument {name!r} takes {nargs} values.": "Argumentet {name!r} tar {nargs} verdier.",
    "Press any key to continue...": "Trykk en tast for å fortsette ...",
    "Repeat for confirmation": "Gjenta for å bekrefte",
    "Error: The two entered values do not match.": "Feil: De to verdiene er ikke like.",
    "Error: invalid input": "Feil: ugyldig inndata",
    "file": "fil",
    "directory": "mappe",
    "path": "sti",
    "Choose from:\n\t{choices}": "Velg blant:\n\t{choices}",
    "{value!r} is not {choice}.": "{value!r} er ikke {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} er ikke en av {choices}.",
    "{value!r} does not match the format {format}.": "{value!r} passer ikke med formatet {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} passer ikke med formatene {formats}.",
    "{value} is not in the range {range}.": "{value} er utenfor området {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} er ikke en gyldig ja/nei-verdi. Gyldige verdier: {states}",
    "{len_type} values are required, but {len_value} was given.":
        "{len_type} verdier trengs, men fikk {len_value}.",
    "{len_type} values are required, but {len_value} were given.":
        "{len_type} verdier trengs, men fikk {len_value}.",
    "{value!r} is not a valid {number_type}.": "{value!r} er ikke et gyldig {number_type}.",
    "{value!r} is not a valid UUID.": "{value!r} er ikke en gyldig UUID.",
    "{name} {filename!r} is a file.": "{name} {filename!r} er en fil.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} er en mappe.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} kan ikke leses.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} kan ikke skrives.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} kan ikke kjøres.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} finnes ikke.",
}
# Click's parameter types: the name is the metavar in help ("--k HELTALL") and the word in messages.
TYPE_NAMES = {
    "StringParamType": "tekst", "IntParamType": "heltall", "IntRange": "heltall", "FloatParamType": "tall",
    "FloatRange": "tall", "BoolParamType": "ja/nei", "UUIDParameterType": "uuid", "DateTime": "tidspunkt",
    "File": "fil", "Path": "sti",
}
MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils",
           "shell_completion", "_termui_impl")
OPTIONS_METAVAR = "[VALG]"
SUBCOMMAND_METAVAR = "VERB [ARGUMENTER]..."


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    """Translate Click's strings in this process (idempotent)."""
    for name in MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:
            continue
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
    for cls_name, label in TYPE_NAMES.items():
        cls = getattr(click.types, cls_name, None)
        if cls is not None:
            cls.name = label


def norwegian_usage(group: click.Group) -> None:
    """"[OPTIONS]" and "COMMAND [ARGS]..." in the usage lines of a group and all its commands."""
    group.options_metavar = OPTIONS_METAVAR
    group.subcommand_metavar = SUBCOMMAND_METAVAR
    for command in group.commands.values():
        command.options_metavar = OPTIONS_METAVAR
        if isinstance(command, click.Group):
            norwegian_usage(command)
