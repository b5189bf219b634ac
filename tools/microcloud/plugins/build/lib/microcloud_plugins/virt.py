"""A Nova fake virt driver that behaves like a single real hypervisor.

Nova's ``FakeDriverWithoutFakeNodes`` keeps a stable node identity in
``state_path/compute_id``, so nova-compute can restart on the same compute
node. Two gaps remain for a demo cloud, and this driver closes them:

- ``FakeDriver.snapshot`` never uploads image data, so every snapshot stays
  ``queued`` in Glance forever. Here a few bytes are uploaded, and the
  snapshot becomes ``active`` as it would on a real cloud.
- The fake hypervisor keeps its guests in memory, so after a restart of
  nova-compute every running server would be powered off by Nova's power
  state sync. Here the servers that the database records as running on this
  host are registered again when the service starts.
"""

import io
import logging

from nova import context as nova_context
from nova import objects
from nova.compute import power_state
from nova.image import glance
from nova.virt import fake

LOG = logging.getLogger(__name__)

# Snapshot payload: small on purpose, because the fake guest has no disk.
SNAPSHOT_DATA = b"micro-cloud snapshot of a fake guest\n"


class Driver(fake.FakeDriverWithoutFakeNodes):

    def init_host(self, host):
        super().init_host(host)

        admin = nova_context.get_admin_context()
        instances = objects.InstanceList.get_by_host(admin, host)
        for instance in instances:
            if instance.power_state != power_state.RUNNING:
                continue
            self.instances[instance.uuid] = fake.FakeInstance(
                instance.name, power_state.RUNNING, instance.uuid)
            LOG.info("registered running instance %s again after restart",
                     instance.uuid)

    def snapshot(self, context, instance, image_id, update_task_state):
        super().snapshot(context, instance, image_id, update_task_state)

        metadata = {"disk_format": "raw", "container_format": "bare"}
        glance.API().update(context, image_id, metadata,
                            io.BytesIO(SNAPSHOT_DATA), purge_props=False)
        LOG.info("uploaded snapshot %s of instance %s", image_id,
                 instance.uuid)
