import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Settings } from '../config/settings';

function requestHandler(): NodeHttpHandler {
  // Keep-alive and a generous socket pool: the SDK's default of 50 sockets queues requests under load.
  const agentOptions = { keepAlive: true, maxSockets: 256 };
  return new NodeHttpHandler({
    connectionTimeout: 1000,
    // A backstop only: the request's deadline signal normally aborts first. Without the flag
    // the SDK merely warns when it passes.
    requestTimeout: 10_000,
    throwOnRequestTimeout: true,
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent(agentOptions),
  });
}

/**
 * The process's only AWS clients. `maxAttempts: 1` because the resilience module owns retries:
 * retrying here as well would multiply attempts (3 × 3) behind the policy's back.
 */
@Injectable()
export class AwsClients implements OnApplicationShutdown {
  readonly dynamodb: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly s3: S3Client;

  constructor(settings: Settings) {
    const { region, dynamodbEndpoint, s3Endpoint } = settings.aws;
    this.dynamodb = new DynamoDBClient({
      region,
      endpoint: dynamodbEndpoint,
      maxAttempts: 1,
      requestHandler: requestHandler(),
    });
    this.documents = DynamoDBDocumentClient.from(this.dynamodb, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    this.s3 = new S3Client({
      region,
      endpoint: s3Endpoint,
      maxAttempts: 1,
      requestHandler: requestHandler(),
      // Emulators (LocalStack, s3rver) need path-style URLs and reject or mangle the default
      // streaming checksums, so these apply only when an endpoint override is set.
      ...(s3Endpoint === undefined
        ? {}
        : {
            forcePathStyle: true,
            requestChecksumCalculation: 'WHEN_REQUIRED' as const,
            responseChecksumValidation: 'WHEN_REQUIRED' as const,
          }),
    });
  }

  onApplicationShutdown(): void {
    this.documents.destroy();
    this.dynamodb.destroy();
    this.s3.destroy();
  }
}
