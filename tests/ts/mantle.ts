// AnthropicBedrockMantle (the Messages API on bedrock-mantle), configured only by the environment:
// ANTHROPIC_BEDROCK_MANTLE_BASE_URL, AWS_REGION, and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (SigV4, signing name
// bedrock-mantle) or AWS_BEARER_TOKEN_BEDROCK (an API key, sent as Authorization: Bearer).
// Usage: tsx mantle.ts <model> <unserved model>. Prints one JSON line: a create, a stream, and the error for a
// model mantle does not serve.
import { AnthropicBedrockMantle } from '@anthropic-ai/bedrock-sdk';

const [model, unserved] = process.argv.slice(2);
if (!model || !unserved) throw new Error('usage: tsx mantle.ts <model> <unserved model>');
const params = { model, max_tokens: 256, messages: [{ role: 'user' as const, content: 'Hello, mantle' }] };

const client = new AnthropicBedrockMantle({ maxRetries: 0 });

const message = await client.messages.create(params);

const stream = client.messages.stream(params);
const events: string[] = [];
for await (const event of stream) events.push(event.type);
const final = await stream.finalMessage();

let error: Record<string, unknown> = {};
try {
  await client.messages.create({ ...params, model: unserved });
} catch (err: any) {
  error = { name: err?.constructor?.name, status: err?.status, body: err?.error };
}

console.log(
  JSON.stringify({
    base_url: client.baseURL,
    create: {
      model: message.model,
      text: message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
      stop_reason: message.stop_reason,
      usage: message.usage,
    },
    stream: {
      events,
      text: final.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
      usage: final.usage,
    },
    error,
  }),
);
