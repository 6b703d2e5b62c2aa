import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';

const client = new AnthropicBedrock({
  awsRegion: 'us-west-2',
});

// US リージョナルエンドポイント（CRIS）を使用
const message = await client.messages.create({
  model: 'anthropic.claude-sonnet-4-5-20250929-v1:0',  // global. プレフィックスなし
  max_tokens: 256,
  messages: [{role: "user", content: "Hello, world"}]
});
