"""informer_sk: the Informer (Zhou et al., AAAI 2021) as an sktime forecaster."""

__version__ = "0.1.0"
__all__ = ["InformerEnsemble", "InformerForecaster", "__version__"]

from informer_sk.ensemble import InformerEnsemble
from informer_sk.forecaster import InformerForecaster
