"""Config: typed schema (`schema`), loading and validation (`load`), starter file (`starter`)."""

from livetop.config.schema import (  # noqa: F401
    AccountConfig,
    Config,
    ConfigError,
    Credentials,
    DomainConfig,
    Secret,
    UiConfig,
)
from livetop.config.load import default_config_path, load_config, parse_config  # noqa: F401
