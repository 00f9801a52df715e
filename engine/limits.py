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

__all__ = [
    "CEL_COMPREHENSION_DEPTH",
    "CEL_COST",
    "CEL_ITEM_CHARS",
    "CEL_LIST_ITEMS",
    "CEL_TEXT_CHARS",
    "TEMPLATE_FILTER_CHARS",
    "TEMPLATE_INT_DIGITS",
    "TEMPLATE_LIST_ITEMS",
    "TEMPLATE_MACRO_DEPTH",
    "TEMPLATE_OUTPUT_CHARS",
    "TEMPLATE_RANGE",
    "TEMPLATE_STEPS",
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
