import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';

const client = new AnthropicBedrock({
  // 以下のキーを提供するか、デフォルトのAWS認証情報プロバイダー（例：
  // ~/.aws/credentialsまたは「AWS_SECRET_ACCESS_KEY」および「AWS_ACCESS_KEY_ID」環境変数）を使用して認証します。
  awsAccessKey: '<access key>',
  awsSecretKey: '<secret key>',

  // 一時的な認証情報はawsSessionTokenで使用できます。
  // 詳細については、https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp.htmlを参照してください。
  awsSessionToken: '<session_token>',

  // awsRegionはリクエストが行われるAWSリージョンを変更します。デフォルトでは、AWS_REGIONを読み込み、
  // それが存在しない場合はus-east-1にデフォルト設定されます。~/.aws/configのリージョンは読み込まれないことに注意してください。
  awsRegion: 'us-west-2',
});

async function main() {
  const message = await client.messages.create({
    model: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
    max_tokens: 256,
    messages: [{"role": "user", "content": "Hello, world"}]
  });
  console.log(message);
}
main().catch(console.error);
