from anthropic import AnthropicBedrock

client = AnthropicBedrock(
    # 以下のキーを提供するか、デフォルトのAWS認証情報プロバイダー（例：
    # ~/.aws/credentialsまたは「AWS_SECRET_ACCESS_KEY」および「AWS_ACCESS_KEY_ID」環境変数）を使用して認証します。
    aws_access_key="<access key>",
    aws_secret_key="<secret key>",
    # 一時的な認証情報はaws_session_tokenで使用できます。
    # 詳細については、https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp.htmlを参照してください。
    aws_session_token="<session_token>",
    # aws_regionはリクエストが行われるAWSリージョンを変更します。デフォルトでは、AWS_REGIONを読み込み、
    # それが存在しない場合はus-east-1にデフォルト設定されます。~/.aws/configのリージョンは読み込まれないことに注意してください。
    aws_region="us-west-2",
)

message = client.messages.create(
    model="global.anthropic.claude-sonnet-4-5-20250929-v1:0",
    max_tokens=256,
    messages=[{"role": "user", "content": "Hello, world"}]
)
print(message.content)
