"""The credit information resource catalog (信用信息资源目录): one YAML file per item."""

from xinyong.catalog.registry import Catalog, CatalogError, get_catalog, load_catalog
from xinyong.catalog.schema import CatalogItem, Field

__all__ = ["Catalog", "CatalogError", "CatalogItem", "Field", "get_catalog", "load_catalog"]
