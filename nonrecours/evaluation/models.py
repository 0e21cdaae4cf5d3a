"""The evaluation's models, one module per part (Django finds them here):

- chain_models: from a barometer call-back request to a right opened;
- followup_models: follow-up of a simulation, with the person's consent;
- report_models: what the yearly report needs entered by hand (budget,
  partners, data-sharing agreements);
- bundle_models: indicator bundles of other territories and the national
  reference.
"""

from nonrecours.evaluation.bundle_models import *  # noqa: F403
from nonrecours.evaluation.chain_models import *  # noqa: F403
from nonrecours.evaluation.followup_models import *  # noqa: F403
from nonrecours.evaluation.report_models import *  # noqa: F403
