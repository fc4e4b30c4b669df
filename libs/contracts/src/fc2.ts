/** An FC 2.0 service as stored: it only groups functions here (no role, VPC, NAS or logs to apply). */
export interface Fc2ServiceRecord {
  tenant: string;
  serviceName: string;
  serviceId: string;
  description: string;
  /** Fields of 2.0's service model accepted and returned as given (role, logConfig, ...). */
  settings: Record<string, unknown>;
  createdTime: string;
  lastModifiedTime: string;
}
