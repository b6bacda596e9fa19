"""Provides the stated limits on what buildbuy reads, so oversized input gets a clear error, not a hang.

The rule limits follow durable_rules 2.0.28's C sources (src/rules/*.h, events.c, rete.c):
- events.c `MAX_STACK_SIZE 64`: matching the alpha network walks an explicit stack of 64 nodes;
  more alpha nodes that hold at once than that fails with error 303, and the state left behind
  corrupts the heap on the next call (SIGSEGV, `free(): invalid size`).
- rules.h `BETA_LIST_LENGTH 256`: the list of rules hanging off one alpha node is zero-terminated
  but the bounds check lets the 256th entry overwrite the terminator (a segfault at 256 rules that
  share one condition).
- rules.h `NEXT_BUCKET_LENGTH 512`: the children of one alpha node live in an open-addressing
  table whose lookup loops forever once all 512 slots are filled (the hang near 480 rules).
The rule engine therefore splits a rule base into rulesets that each stay far below these limits
(see advisor.rulebase.engine); the limits below keep one rule small enough to fit in a ruleset alone.
"""

from __future__ import annotations

# Input files
MAX_ANSWERS_FILE_BYTES = 256 * 1024  # a complete answers file is about 3 KB
MAX_RULE_FILE_BYTES = 4 * 1024 * 1024
MAX_RECORD_FILE_BYTES = 4 * 1024 * 1024
MAX_FRONT_MATTER_BYTES = 256 * 1024
MAX_FRONT_MATTER_DEPTH = 8
MAX_TOML_DEPTH = 16  # the deepest a valid answers, rule or knowledge file goes is 4

# Rule packs
MAX_RULES_PER_FILE = 1000
MAX_RULES_TOTAL = 2000
MAX_CONDITIONS_PER_RULE = 24  # all + any; a rule alone needs at most 2 x 24 + 3 alpha edges
MAX_CONDITION_CHARS = 200
MAX_RULE_TEXT_CHARS = 2000  # because, source, criterion
MAX_RULE_ID_CHARS = 100

# Per ruleset compiled into durable_rules (well below the C limits above)
RULESET_MAX_ALPHA_EDGES = 56  # < MAX_STACK_SIZE 64
RULESET_MAX_RULES = 64  # < BETA_LIST_LENGTH 256, and few alpha children per node (< 512)

# Echoing user text back
MAX_ECHO_CHARS = 120
