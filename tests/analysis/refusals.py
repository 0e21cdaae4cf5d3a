"""What protect() says when a release gives back a protected set: shared by
the tests of the search of unions and of its edges."""

import pytest

from nonrecours.analysis.disclosure import Release, SecrecyError, protect


def refusal(release: Release) -> str:
    """The French message of protect()'s refusal of `release`."""
    with pytest.raises(SecrecyError) as error:
        protect(release)
    return str(error.value)


def given_back(name: str) -> str:
    """The refusal of a release that gives back the protected set `name`."""
    return (
        f"Les chiffres déjà publiés redonnent une case protégée ({name}) : "
        "rien ne peut plus la masquer."
    )
