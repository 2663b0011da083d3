import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { ClientFrameSchema, ServerFrameSchema } from './gen/circles/v1/circles_pb';
import { ErrorCode, decodeServerFrame, describeError, encodeClientFrame, kindLabel, toMessage } from './proto';

describe('wire helpers', () => {
  it('encodes a JoinRoom with Resume', () => {
    const bytes = encodeClientFrame(9n, { case: 'join', value: { roomId: 7n, resume: { lastSeq: 12n, epoch: 3n } } });
    const f = fromBinary(ClientFrameSchema, bytes);
    expect(f.requestId).toBe(9n);
    expect(f.body.case).toBe('join');
    if (f.body.case === 'join') {
      expect(f.body.value.roomId).toBe(7n);
      expect(f.body.value.resume?.lastSeq).toBe(12n);
      expect(f.body.value.resume?.epoch).toBe(3n);
    }
  });

  it('decodes a MessageEvent into a plain message', () => {
    const wire = create(ServerFrameSchema, {
      body: {
        case: 'message',
        value: { roomId: 7n, seq: 4n, epoch: 3n, text: 'hi', sentAtMs: 1700000000000n, sender: { userId: 2n, displayName: 'Quiet Fox' } },
      },
    });
    const f = decodeServerFrame(toBinary(ServerFrameSchema, wire).buffer as ArrayBuffer);
    expect(f.body.case).toBe('message');
    if (f.body.case === 'message') {
      expect(toMessage(f.body.value)).toMatchObject({ roomId: '7', seq: 4, text: 'hi', sender: { userId: '2', displayName: 'Quiet Fox' } });
    }
  });

  it('describes errors by code', () => {
    expect(describeError(ErrorCode.RATE_LIMITED, 2500)).toBe("You're sending fast — try again in 3 s.");
    expect(describeError(ErrorCode.NOT_A_MEMBER)).toMatch(/not a member/);
    expect(kindLabel('social_group')).toBe('Social group');
    expect(kindLabel('new_kind')).toBe('New kind');
  });
});
