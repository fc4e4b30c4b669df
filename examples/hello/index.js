// FC-style Node.js handler: event is a Buffer, the result is returned (strings as-is, others as JSON).
exports.handler = async (event, context) => {
  context.logger.info(`task ${context.taskId} got ${event.length} bytes`);
  return { hello: event.toString() || 'world', taskId: context.taskId };
};
