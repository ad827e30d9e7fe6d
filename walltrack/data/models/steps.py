"""Every step's settings model, listed by hand: the one registry the API, the UI and the jobs
read (a test fails when a `StepSettings` model is missing here)."""

from __future__ import annotations

from walltrack.data.models.cluster_settings import ClusterSettings
from walltrack.data.models.ingest import IngestSettings
from walltrack.data.models.signals import SignalSettings
from walltrack.data.models.step_settings import (
    StepSettings,
    TokenDiscoverySettings,
    TokenRefreshSettings,
)
from walltrack.data.models.trading_settings import (
    ExitSettings,
    OrderSettings,
    RiskSettings,
    SizingSettings,
)
from walltrack.data.models.wallet_discovery_settings import WalletDiscoverySettings
from walltrack.data.models.wallet_settings import WalletProfileSettings
from walltrack.data.models.watchlist import WatchlistSettings

STEP_SETTINGS: dict[str, type[StepSettings]] = {
    model.step: model
    for model in (
        TokenDiscoverySettings,
        TokenRefreshSettings,
        WalletDiscoverySettings,
        WalletProfileSettings,
        ClusterSettings,
        IngestSettings,
        WatchlistSettings,
        SignalSettings,
        RiskSettings,
        SizingSettings,
        ExitSettings,
        OrderSettings,
    )
}
