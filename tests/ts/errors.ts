// How the TypeScript SDK surfaces Bedrock errors. Configured only by the environment.
// Usage: tsx errors.ts <scenario> [maxRetries]
//   on-demand   create() with the bare on-demand id (Bedrock answers 400 ValidationException)
//   create      create() with the global profile (the test arranges throttling beforehand)
//   mid-stream  messages.stream() whose stream is cut by an exception frame
//   mid-stream-raw  the same with create({stream: true})
// Prints one JSON line: {ok, ...} on success, or the error's class name, status, message and body.
import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';

const GLOBAL = 'global.anthropic.claude-sonnet-4-5-20250929-v1:0';
const BARE = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const scenario = process.argv[2] ?? 'on-demand';
const maxRetries = Number(process.argv[3] ?? '0');

const client = new AnthropicBedrock({ maxRetries });
const params = (model: string) => ({
  model,
  max_tokens: 256,
  messages: [{ role: 'user' as const, content: 'Hello, world' }],
});

const seen: string[] = [];
let text = '';

async function run(): Promise<Record<string, unknown>> {
  switch (scenario) {
    case 'on-demand': {
      const message = await client.messages.create(params(BARE));
      return { id: message.id };
    }
    case 'create': {
      const message = await client.messages.create(params(GLOBAL));
      return { id: message.id };
    }
    case 'mid-stream': {
      const stream = client.messages.stream(params(GLOBAL));
      for await (const event of stream) {
        seen.push(event.type);
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      }
      const final = await stream.finalMessage();
      return { id: final.id };
    }
    case 'mid-stream-raw': {
      const stream = await client.messages.create({ ...params(GLOBAL), stream: true });
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
