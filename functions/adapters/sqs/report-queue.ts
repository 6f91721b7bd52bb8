/**
 * The report queue (SQS): the API handler sends each numbered on-demand job here and the
 * generate function consumes it. A queue rather than a direct invocation gives the render its
 * own retries, a dead-letter queue and a cap on concurrent browsers, and lets the API answer
 * at once with the issue id.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ConfigError, StoreError } from '../../errors.ts';
import type { ReportQueue } from '../../app/ports.ts';

export function createSqsReportQueue<Job extends { slotKey: string }>(
  sqs: SQSClient,
  queueUrl: string | undefined,
): ReportQueue<Job> {
  return {
    async send(job) {
      if (!queueUrl) {
        throw new ConfigError('未设置 BULLETIN_REPORT_QUEUE_URL：按需报告无法排队');
      }
      try {
        const out = await sqs.send(
          new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(job) }),
        );
        return { messageId: out.MessageId ?? 'unknown' };
      } catch (err) {
        throw new StoreError('report-queue', `无法将报告任务 ${job.slotKey} 加入队列`, {
          cause: err,
        });
      }
    },
  };
}
