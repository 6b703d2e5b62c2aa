// The AWS SDK for JavaScript v3 with its DEFAULT settings against the emulator: @aws-sdk/client-bedrock-runtime
// speaks only HTTP/2 (h2c with prior knowledge on http://, ALPN h2 on https://); @aws-sdk/client-bedrock
// (control plane) speaks HTTP/1.1. Streams are decoded by the SDK's own event-stream parser.
// Region and credentials come from the environment (the emulator's export lines); NODE_EXTRA_CA_CERTS
// trusts the emulator's CA. Usage: tsx http2.ts <endpoint URL> <model>. Prints one JSON line.
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';

const [endpoint, modelId] = process.argv.slice(2);
if (!endpoint || !modelId) throw new Error('usage: tsx http2.ts <endpoint URL> <model>');

const runtime = new BedrockRuntimeClient({ endpoint, maxAttempts: 1 });
const messages = [{ role: 'user' as const, content: [{ text: 'Hello, world' }] }];
const claudeBody = JSON.stringify({
  anthropic_version: 'bedrock-2023-05-31',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'Hello, world' }],
});

async function converse() {
  const out = await runtime.send(new ConverseCommand({ modelId, messages, inferenceConfig: { maxTokens: 64 } }));
  const text = (out.output?.message?.content ?? []).map((block) => block.text ?? '').join('');
  return { text, stopReason: out.stopReason, outputTokens: out.usage?.outputTokens };
}

async function converseStream() {
  const out = await runtime.send(new ConverseStreamCommand({ modelId, messages, inferenceConfig: { maxTokens: 64 } }));
  const events: string[] = [];
  let text = '';
  for await (const event of out.stream ?? []) {
    const kind = Object.keys(event).find((key) => (event as Record<string, unknown>)[key] !== undefined) ?? '?';
    if (events[events.length - 1] !== kind) events.push(kind);
    text += event.contentBlockDelta?.delta?.text ?? '';
    if (event.messageStop) events.push(`stop:${event.messageStop.stopReason}`);
  }
  return { events, text };
}

async function invoke() {
  const out = await runtime.send(new InvokeModelCommand({ modelId, body: claudeBody, contentType: 'application/json' }));
  const reply = JSON.parse(new TextDecoder().decode(out.body));
  return { type: reply.type, text: reply.content?.[0]?.text, stop_reason: reply.stop_reason };
}

async function invokeStream() {
  const out = await runtime.send(
    new InvokeModelWithResponseStreamCommand({ modelId, body: claudeBody, contentType: 'application/json' }),
  );
  const events: string[] = [];
  let text = '';
  for await (const event of out.body ?? []) {
    if (!event.chunk?.bytes) continue;
    const chunk = JSON.parse(new TextDecoder().decode(event.chunk.bytes));
    if (events[events.length - 1] !== chunk.type) events.push(chunk.type);
    if (chunk.type === 'content_block_delta') text += chunk.delta?.text ?? '';
  }
  return { events, text };
}

async function listModels() {
  // Not every checkout has the control-plane client installed: say so rather than fail.
  let sdk: typeof import('@aws-sdk/client-bedrock');
  try {
    sdk = await import('@aws-sdk/client-bedrock');
  } catch {
    return { missing: true };
  }
  const control = new sdk.BedrockClient({ endpoint, maxAttempts: 1 });
  const out = await control.send(new sdk.ListFoundationModelsCommand({ byProvider: 'Anthropic' }));
  return { count: out.modelSummaries?.length ?? 0, ids: (out.modelSummaries ?? []).map((m) => m.modelId) };
}

const result = {
  converse: await converse(),
  converseStream: await converseStream(),
  invoke: await invoke(),
  invokeStream: await invokeStream(),
  listModels: await listModels(),
};
runtime.destroy();
console.log(JSON.stringify(result));
