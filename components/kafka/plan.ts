/** How `plan` shows this destination's resources: the topics and their config, each ACL (Literal or Prefixed). */
import { pick } from "../config/plan-tables";
import type { PlanTables } from "../destination";

export const kafkaPlan: PlanTables = {
  show: {
    "kafka:index/topic:Topic": pick("name", "partitions", "replicationFactor", "config"),
    "kafka:index/acl:Acl": pick(
      "aclPrincipal",
      "aclOperation",
      "aclResourceType",
      "aclResourceName",
      "resourcePatternTypeFilter",
    ),
  },
};
