// How the TypeScript SDK surfaces Bedrock errors. Configured only by the environment.
// Usage: tsx errors.ts <scenario> <maxRetries> <model> [anthropic_version]
//   create      create() (the test picks a model, a version or a fault that fails)
//   mid-stream  messages.stream() whose stream is cut by an exception frame
//   mid-stream-raw  the same with create({stream: true})
// anthropic_version, when given, goes in the body (the SDK only fills it in when absent).
// Prints one JSON line: {ok, ...} on success, or the error's class name, status, message and body.
import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';

const scenario = process.argv[2] ?? 'create';
const maxRetries = Number(process.argv[3] ?? '0');
const model = process.argv[4];
const version = process.argv[5];
if (!model) throw new Error('usage: tsx errors.ts <scenario> <maxRetries> <model> [anthropic_version]');

const client = new AnthropicBedrock({ maxRetries });
const params = () => ({
  model,
  max_tokens: 256,
  messages: [{ role: 'user' as const, content: 'Hello, world' }],
  ...(version ? { anthropic_version: version } : {}),
});

const seen: string[] = [];
let text = '';

async function run(): Promise<Record<string, unknown>> {
  switch (scenario) {
    case 'create': {
      const message = await client.messages.create(params());
      return { id: message.id };
    }
    case 'mid-stream': {
      const stream = client.messages.stream(params());
      for await (const event of stream) {
        seen.push(event.type);
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      }
      const final = await stream.finalMessage();
      return { id: final.id };
    }
    case 'mid-stream-raw': {
      const stream = await client.messages.create({ ...params(), stream: true });
      for await (const event of stream) {
        seen.push(event.type);
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      }
      return {};
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

try {
  const result = await run();
  console.log(JSON.stringify({ ok: true, scenario, events: seen, text, ...result }));
} catch (err) {
  const e = err as Record<string, unknown> & Error;
  const isApiError = err instanceof AnthropicBedrock.APIError;
  console.log(
    JSON.stringify({
      ok: false,
      scenario,
      name: e.name,
      constructor: e.constructor?.name,
      is_api_error: isApiError,
      is_bad_request: err instanceof AnthropicBedrock.BadRequestError,
      is_rate_limit: err instanceof AnthropicBedrock.RateLimitError,
      status: e.status ?? null,
      message: e.message,
      error: e.error ?? null,
      type: e.type ?? null,
      events: seen,
      text,
    }),
  );
}
