"""MLPerf Tiny: the benchmark's device-under-test protocol on our boards and a
host driver for any device that speaks it.

- `firmware`: the protocol image for a board with one model's plan linked in;
- `client`:   the protocol over a pyserial URL (socket:// for emulators);
- `driver`:   performance and accuracy modes with the official runner's rules;
- `dataset`:  datasets in the runner's layout (y_labels.csv + raw inputs);
- `official`: the unmodified official runner against an emulated board.
"""
from .models import MODELS, MlperfModel, get_model

__all__ = ["MODELS", "MlperfModel", "get_model"]
