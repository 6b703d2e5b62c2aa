// One non-streaming messages.create() against whatever the environment points at
// (AWS_REGION, ANTHROPIC_BEDROCK_BASE_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
// Usage: tsx create.ts <model> [prompt]. Prints one JSON line.
import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';

const model = process.argv[2];
if (!model) throw new Error('usage: tsx create.ts <model> [prompt]');
const prompt = process.argv[3] ?? 'Hello, world';

const client = new AnthropicBedrock({ maxRetries: 0 });

const message = await client.messages.create({
  model,
  max_tokens: 256,
  messages: [{ role: 'user', content: prompt }],
});

const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
console.log(
  JSON.stringify({
    id: message.id,
    type: message.type,
    role: message.role,
    model: message.model,
    content_types: message.content.map((block) => block.type),
    text,
    stop_reason: message.stop_reason,
    stop_sequence: message.stop_sequence,
    usage: message.usage,
    region: client.awsRegion,
    base_url: client.baseURL,
  }),
);
