import { RemovalPolicy } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { RUNTIME_TABLES, type RuntimeTable } from '../../shared/config';
import { spineTable } from './spine-table';

/**
 * The tables every service shares (checkpoints/dedupe, ingress idempotency, parking lot, outbox) and the key
 * that encrypts them and the services' own state tables.
 */
export class RuntimeTables extends Construct {
  /** Encrypts every Spine table; RETAIN because retained tables are unreadable without it. */
  public readonly key: Key;
  public readonly tables: Readonly<Record<RuntimeTable, Table>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the Spine DynamoDB tables',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.tables = {
      checkpoints: spineTable(this, 'Checkpoints', RUNTIME_TABLES.checkpoints, this.key),
      idempotency: spineTable(this, 'Idempotency', RUNTIME_TABLES.idempotency, this.key),
      parking: spineTable(this, 'Parking', RUNTIME_TABLES.parking, this.key),
      outbox: spineTable(this, 'Outbox', RUNTIME_TABLES.outbox, this.key),
    };
  }
}
