"""Robot variables the suites default to (a variable file: `Variables  hil.robot.defaults`),
taken from the harness so a default lives in one place.  `--variable` overrides them."""
from hil.boards import DEFAULT_BOARD

BOARD = DEFAULT_BOARD
