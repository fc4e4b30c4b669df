import type { Db } from 'mongodb';
import type { Fc2ServiceRecord, Names } from '@asyncfn/contracts';
import { namedRecords, type NamedRecords } from './named-records.js';

/** FC 2.0 services (the 2.0 API's grouping of functions; the functions are 3.0 functions). */
export type Fc2ServiceStore = Omit<NamedRecords<Fc2ServiceRecord>, 'listAll'>;

export function createFc2ServiceStore(db: Db, names: Names): Fc2ServiceStore {
  return namedRecords<Fc2ServiceRecord, 'serviceName'>(db, names.collections.fc2Services, 'serviceName');
}
