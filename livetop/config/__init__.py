"""Config: typed schema (`schema`), loading and validation (`load`, `fields`), the starter file `livetop init`
writes (`starter`), and persisting one UI setting (`edit`)."""

from livetop.config.load import config_path, default_config_path, load_config, parse_config  # noqa: F401
from livetop.config.schema import (  # noqa: F401
    AccountConfig,
    Config,
    ConfigError,
    Credentials,
    DomainConfig,
    Secret,
    UiConfig,
)
