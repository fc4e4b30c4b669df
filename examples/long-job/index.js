// A long task that notices a stop (context.signal) and a PreStop hook that cleans up.
exports.initializer = async (context) => {
  console.log(`initializer: instance ready for ${context.function.name}`);
};

exports.handler = async (event, context) => {
  for (let step = 1; step <= 600; step++) {
    if (context.signal.aborted) return `stopped at step ${step}`;
    console.log(`step ${step}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return 'done';
};

exports.preStop = async () => {
  console.log('preStop: closing connections before the instance goes away');
};
