import { runService } from '@asyncfn/service';
import { startIntake } from './intake.js';
import { wireIngress } from './wiring.js';

await runService('ingress', async ({ config, logger }) => {
  const { app, deps, bulkRunner, close } = await wireIngress(config, logger);
  await app.listen({ host: config.host, port: config.port });
  // Resumes the bulk operations a stopped or crashed ingress left unfinished.
  bulkRunner.start();
  const intake = startIntake({
    nc: deps.nc,
    names: deps.names,
    directory: deps.directory,
    acceptor: deps.acceptor,
    defaultTaskMode: config.defaultTaskMode,
    logger,
  });
  return {
    ownsPort: true,
    async stop() {
      await intake.stop();
      await close();
    },
  };
});
