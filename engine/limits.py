"""How much work one guard or one message may cause: the budgets, in one place.

Guards run and messages render inside a command's write transaction, so a slow one
would hold every other writer. Each budget is refused when the playbook loads where
that can be known from the text (`trinn check` names the file, line and column), and
enforced where the work happens otherwise. The README's security section lists them.

The CEL binding offers no cost limit of its own (its interpreter has no step budget),
so guards are bounded by construction: at most `CEL_COMPREHENSION_DEPTH` nested
comprehensions, a cost estimated from the text over the largest values the case may
hand to CEL (`CEL_LIST_ITEMS`, `CEL_TEXT_CHARS`, `CEL_ITEM_CHARS`), refused above
`CEL_COST`; and at run time a value larger than those caps is not handed to CEL at all.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CEILINGS",
    "CEL_COMPREHENSION_DEPTH",
    "CEL_COST",
    "CEL_ITEM_CHARS",
    "CEL_LIST_ITEMS",
    "CEL_TEXT_CHARS",
    "DEFAULT_LIMITS",
    "FILE_BYTES",
    "TEMPLATE_FILTER_CHARS",
    "TEMPLATE_INT_DIGITS",
    "TEMPLATE_LIST_ITEMS",
    "TEMPLATE_MACRO_DEPTH",
    "TEMPLATE_OUTPUT_CHARS",
    "TEMPLATE_RANGE",
    "TEMPLATE_STEPS",
    "Limits",
]

# CEL guards and value expressions ------------------------------------------------------

# Comprehensions (all, exists, exists_one, map, filter) nested in one another; a third
# level multiplies the work by another list's length.
CEL_COMPREHENSION_DEPTH = 2
# Estimated evaluation steps of one expression on the largest values allowed. A step is
# one node of the expression evaluated (about 0.3 us in the binding); copying text costs
# a step per 1,000 characters, searching it a step per 200. The worst case that passes,
# measured: bench/guard_bench.py.
CEL_COST = 100_000
# The most items a list field may have for CEL to see it (multi_choice, text_list,
# person_list); a guard reading a longer list fails and the command is refused.
CEL_LIST_ITEMS = 50
# The longest text (text, long_text, email, ...) a guard may read.
CEL_TEXT_CHARS = 10_000
# The longest item of a list a guard may read.
CEL_ITEM_CHARS = 1_000

# Jinja message templates ---------------------------------------------------------------

# The most characters one message (title or body) renders to; rendering stops there.
TEMPLATE_OUTPUT_CHARS = 100_000
# The longest text or list one operator (`*`, `+`, `~`) or filter may produce.
TEMPLATE_FILTER_CHARS = 100_000
# The most items a list built in a template may have (`*` and `+` on lists).
TEMPLATE_LIST_ITEMS = 10_000
# The most numbers `range()` may give.
TEMPLATE_RANGE = 10_000
# The most digits an integer built in a template may have (`**`, `*`).
TEMPLATE_INT_DIGITS = 100
# Loop iterations, filter and function calls one render may spend.
TEMPLATE_STEPS = 20_000
# How deeply macros may call one another (a macro calling itself included).
TEMPLATE_MACRO_DEPTH = 10


# Files ---------------------------------------------------------------------------------

# The largest file a `file` field takes (engine.files): it is read into memory, hashed and
# stored in the database inside the command's transaction, and may go out as an e-mail
# attachment, where 10 MiB passes most mail servers.
FILE_BYTES = 10 * 1024 * 1024


# A playbook's own caps --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Limits:
    """The caps one playbook runs under: the defaults above, or what its `limits:` section
    raises them to (engine.limits_spec), never past CEILINGS.

    Every place that enforces a cap reads it from here, so a raised cap is priced at load
    and enforced at run time alike.
    """

    cel_comprehension_depth: int = CEL_COMPREHENSION_DEPTH
    cel_cost: int = CEL_COST
    cel_list_items: int = CEL_LIST_ITEMS
    cel_text_chars: int = CEL_TEXT_CHARS
    cel_item_chars: int = CEL_ITEM_CHARS
    template_output_chars: int = TEMPLATE_OUTPUT_CHARS
    template_filter_chars: int = TEMPLATE_FILTER_CHARS
    template_list_items: int = TEMPLATE_LIST_ITEMS
    template_range: int = TEMPLATE_RANGE
    template_int_digits: int = TEMPLATE_INT_DIGITS
    template_steps: int = TEMPLATE_STEPS
    template_macro_depth: int = TEMPLATE_MACRO_DEPTH
    file_bytes: int = FILE_BYTES


DEFAULT_LIMITS = Limits()

# How far a playbook may raise each cap. The worst guard at CEL_COST's ceiling runs about
# ten times the default's (bench/guard_bench.py: 28 ms at 100,000 steps), and a render at
# TEMPLATE_STEPS' ceiling about 0.2 s: still short next to a person's command. Lists and
# texts stop at what a field may hold at all (engine.values: MAX_ITEMS, MAX_LONG_TEXT).
# CEL_ITEM_CHARS has no ceiling above its default: a list item is one line of at most
# 1,000 characters (engine.values.MAX_LINE), so there is nothing to raise it for.
CEILINGS: dict[str, int] = {
    "cel_comprehension_depth": 3,
    "cel_cost": 1_000_000,
    "cel_list_items": 10_000,
    "cel_text_chars": 100_000,
    "template_output_chars": 1_000_000,
    "template_filter_chars": 1_000_000,
    "template_list_items": 100_000,
    "template_range": 100_000,
    "template_int_digits": 1_000,
    "template_steps": 200_000,
    "template_macro_depth": 20,
    # a file past 25 MiB is refused by many mail servers, and held whole in memory meanwhile
    "file_bytes": 25 * 1024 * 1024,
}
