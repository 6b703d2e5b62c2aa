// Streaming two ways: the client.messages.stream() helper and create({stream: true}).
// Configured only by the environment. Usage: tsx stream.ts <model> [prompt]. Prints one JSON line.
import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';

const model = process.argv[2];
if (!model) throw new Error('usage: tsx stream.ts <model> [prompt]');
const prompt = process.argv[3] ?? 'Hello, world';
const params = { model, max_tokens: 256, messages: [{ role: 'user' as const, content: prompt }] };

const client = new AnthropicBedrock({ maxRetries: 0 });

async function helper() {
  const stream = client.messages.stream(params);
  const events: string[] = [];
  const deltas: string[] = [];
  let onText = '';
  stream.on('text', (delta) => {
    onText += delta;
  });
  for await (const event of stream) {
    events.push(event.type);
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') deltas.push(event.delta.text);
  }
  const final = await stream.finalMessage();
  return {
    events,
    text: deltas.join(''),
    delta_count: deltas.length,
    on_text: onText,
    final: {
      id: final.id,
      model: final.model,
      text: final.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
      stop_reason: final.stop_reason,
      usage: final.usage,
    },
  };
}

async function raw() {
  const stream = await client.messages.create({ ...params, stream: true });
  const events: string[] = [];
  const deltas: string[] = [];
  let id = '';
  let messageModel = '';
  let stopReason: string | null = null;
  let inputTokens = 0;
  let outputTokens = 0;
  for await (const event of stream) {
    events.push(event.type);
    if (event.type === 'message_start') {
      id = event.message.id;
      messageModel = event.message.model;
      inputTokens = event.message.usage.input_tokens;
    } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
      deltas.push(event.delta.text);
    } else if (event.type === 'message_delta') {
      stopReason = event.delta.stop_reason;
      outputTokens = event.usage.output_tokens;
    }
  }
  return {
    events,
    text: deltas.join(''),
    delta_count: deltas.length,
    id,
    model: messageModel,
    stop_reason: stopReason,
    usage: { input_tokens: inputTokens, output_tokens: outputTokens },
  };
}

console.log(JSON.stringify({ helper: await helper(), raw: await raw() }));
