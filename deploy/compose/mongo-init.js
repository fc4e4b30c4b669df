// Run once by the mongo image on its first start (docker-entrypoint-initdb.d), as the root user:
// the services' user, not a root, with the password the secrets init container generated.
// See docs/control-plane-auth.md.
const fs = require('fs');
const pwd = fs.readFileSync('/run/asyncfn/mongo/asyncfn.password', 'utf8').trim();
db.getSiblingDB('admin').createUser({
  user: 'asyncfn',
  pwd,
  roles: ['readWriteAnyDatabase', 'dbAdminAnyDatabase', 'clusterMonitor'],
});
