// Fails every attempt: shows Retrying and then Failed.
exports.handler = async (event, context) => {
  throw new Error(`attempt ${context.attempt} failed on purpose`);
};
