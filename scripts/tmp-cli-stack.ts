import { startStack } from './stack.js';
const s = await startStack({ namespace: 't_cli_walk' + Date.now().toString(36), portBase: 19850, services: ['dispatcher', 'executor', 'status', 'destination'] });
await s.start('ingress');
console.log('READY', s.ingressUrl);
process.on('SIGTERM', async () => { await s.stopAll(); process.exit(0); });
setInterval(() => {}, 1 << 30);
