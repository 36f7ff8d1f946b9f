"""Static files storage for production (WhiteNoise: hashed names, compressed copies)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns: tuple) -> tuple:
    def names_a_source_map(pattern) -> bool:
        return "sourceMappingURL" in (pattern[0] if isinstance(pattern, tuple) else pattern)

    return tuple((ext, tuple(p for p in pats if not names_a_source_map(p))) for ext, pats in patterns)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Django's manifest storage, except that `sourceMappingURL` comments are left as they are: vendored
    minified assets (GraphiQL) name source maps they do not ship, which would fail `collectstatic`, and
    production serves no source maps anyway."""

    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
