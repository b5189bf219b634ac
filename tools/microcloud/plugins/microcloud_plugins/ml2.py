"""An ML2 mechanism driver that binds every port on any host.

Neutron's real drivers bind a port only where an L2 agent (Open vSwitch,
Linux bridge, OVN) reports the host. The micro-cloud runs no agent, so
without this driver every port binding fails and Nova puts each new server
in ERROR with ``vif_type=binding_failed``.
"""

import logging

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api

LOG = logging.getLogger(__name__)


class LoopbackMechanismDriver(api.MechanismDriver):
    """Bind the first segment offered, of any network type, as ACTIVE."""

    def initialize(self):
        LOG.info("micro-cloud mechanism driver ready: binds every segment")

    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID],
                portbindings.VIF_TYPE_OVS,
                {portbindings.CAP_PORT_FILTER: True,
                 portbindings.OVS_HYBRID_PLUG: False},
                status=constants.PORT_STATUS_ACTIVE,
            )
            LOG.debug("bound port %s on host %s to segment %s",
                      context.current["id"], context.host, segment[api.ID])
            return
