import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { ClientFrameSchema, EscalationSchema, RoomControlsSchema, ServerFrameSchema } from './gen/circles/v1/circles_pb';
import {
  ErrorCode,
  MessageDecision,
  Role,
  actionBody,
  decodeServerFrame,
  describeActionError,
  describeSlowMode,
  toControls,
  toMemberInfo,
  waitText,
  describeError,
  describeEscalatedError,
  describeEscalationError,
  describeTalkError,
  EscalationSource,
  EscalationState,
  toEscalation,
  encodeClientFrame,
  kindLabel,
  toAgreement,
  toMessage,
  toSession,
  toTalkAck,
  toTalkNotice,
  TALK_CONFIRMATION_FALLBACK,
} from './proto';

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

  it('encodes the session and agreement requests', () => {
    const open = fromBinary(ClientFrameSchema, encodeClientFrame(3n, { case: 'openSession', value: { roomId: 7n } }));
    expect(open.body.case).toBe('openSession');
    const accept = fromBinary(
      ClientFrameSchema,
      encodeClientFrame(4n, { case: 'acceptAgreement', value: { roomId: 7n, version: 'ab12' } }),
    );
    expect(accept.body).toMatchObject({ case: 'acceptAgreement', value: { roomId: 7n, version: 'ab12' } });
  });

  it('maps a JoinResult session and agreement', () => {
    const wire = create(ServerFrameSchema, {
      body: {
        case: 'joined',
        value: {
          room: { roomId: 7n },
          session: {
            roomId: 7n,
            open: true,
            openedAtMs: 1700000000000n,
            openedBy: { userId: 6n, displayName: 'Ms. Rivera', role: Role.FACILITATOR },
            facilitatorPresent: true,
            live: true,
            timeZone: 'America/New_York',
            schedule: [{ weekday: 2, startMinute: 730, durationMinutes: 40 }],
            required: true,
          },
          agreement: {
            version: 'ab12',
            rules: [
              { number: 2, text: 'No hate.' },
              { number: 1, text: 'Be kind.' },
            ],
            accepted: false,
            required: true,
          },
        },
      },
    });
    const f = decodeServerFrame(toBinary(ServerFrameSchema, wire));
    if (f.body.case !== 'joined') throw new Error('not a JoinResult');
    expect(toSession(f.body.value.session)).toEqual({
      open: true,
      openedAtMs: 1700000000000,
      openedBy: { userId: '6', displayName: 'Ms. Rivera', role: Role.FACILITATOR },
      facilitatorPresent: true,
      live: true,
      timeZone: 'America/New_York',
      schedule: [{ weekday: 2, startMinute: 730, durationMinutes: 40 }],
      required: true,
    });
    expect(toAgreement(f.body.value.agreement)?.rules.map((r) => r.number)).toEqual([1, 2]);
    // An older server sends neither.
    expect(toSession(undefined)).toBeNull();
    expect(toAgreement(undefined)).toBeNull();
  });

  it('describes the session and agreement errors kindly', () => {
    expect(describeError(ErrorCode.ROOM_NOT_LIVE)).toMatch(/isn't meeting right now/);
    expect(describeError(ErrorCode.AGREEMENT_REQUIRED)).toMatch(/group agreement/);
    expect(describeEscalatedError(ErrorCode.ROOM_NOT_LIVE)).toMatch(/counselor has been told/);
  });
});

describe('"I need to talk" on the wire', () => {
  it('encodes the request', () => {
    const f = fromBinary(ClientFrameSchema, encodeClientFrame(4n, { case: 'needToTalk', value: { roomId: 7n, clientMsgId: 'talk-1' } }));
    expect(f.body.case).toBe('needToTalk');
    if (f.body.case === 'needToTalk') expect(f.body.value).toMatchObject({ roomId: 7n, clientMsgId: 'talk-1' });
  });

  it('maps the ack and the staff event', () => {
    const ack = decodeServerFrame(
      toBinary(
        ServerFrameSchema,
        create(ServerFrameSchema, {
          requestId: 4n,
          body: { case: 'needToTalkAck', value: { roomId: 7n, escalationId: 41n, support: ' Call 988. ', confirmation: '', duplicate: true } },
        }),
      ),
    );
    expect(ack.body.case).toBe('needToTalkAck');
    if (ack.body.case === 'needToTalkAck') {
      expect(toTalkAck(ack.body.value)).toEqual({
        roomId: '7',
        escalationId: '41',
        support: 'Call 988.',
        confirmation: TALK_CONFIRMATION_FALLBACK,
        duplicate: true,
      });
    }
    const ev = create(ServerFrameSchema, {
      body: {
        case: 'needToTalk',
        value: { roomId: 7n, roomName: 'Lunch Bunch', escalationId: 41n, atMs: 1700000000000n, student: { userId: 1n, displayName: 'Blue Heron', role: Role.STUDENT } },
      },
    });
    if (ev.body.case === 'needToTalk') {
      expect(toTalkNotice(ev.body.value)).toEqual({
        escalationId: '41',
        roomId: '7',
        roomName: 'Lunch Bunch',
        student: { userId: '1', displayName: 'Blue Heron', role: Role.STUDENT },
        atMs: 1700000000000,
      });
    }
  });

  it('a failure says it did not go through and what to do now', () => {
    for (const code of [ErrorCode.OVERLOADED, ErrorCode.INTERNAL, ErrorCode.INVALID_ARGUMENT, ErrorCode.UNSPECIFIED]) {
      const t = describeTalkError(code, 1000);
      expect(t).toMatch(/did not go through/);
      expect(t).toMatch(/trusted adult now/);
      expect(t).not.toMatch(/has been told/);
    }
    expect(describeTalkError(ErrorCode.OVERLOADED, 2500)).toMatch(/again in 3 s/);
    expect(describeTalkError(ErrorCode.FORBIDDEN)).toMatch(/for students/);
  });
});

describe('facilitator actions on the wire', () => {
  const alex = { userId: '12', displayName: 'Blue Heron', role: Role.STUDENT };
  const cite = { groundRule: 1, reason: '  name-calling\n' };
  const encode = (body: ReturnType<typeof actionBody>) => fromBinary(ClientFrameSchema, encodeClientFrame(5n, body)).body;

  it('moderates a message: approve, reject and remove', () => {
    expect(encode(actionBody('7', { kind: 'approve', seq: 4, sender: alex }, cite, null))).toMatchObject({
      case: 'moderateMessage',
      value: { roomId: 7n, seq: 4n, decision: MessageDecision.APPROVE, citation: { groundRule: 1, reason: 'name-calling' } },
    });
    for (const kind of ['reject', 'remove-message'] as const) {
      expect(encode(actionBody('7', { kind, seq: 9, sender: alex }, cite, null))).toMatchObject({
        case: 'moderateMessage',
        value: { seq: 9n, decision: MessageDecision.REMOVE },
      });
    }
  });

  it('mutes for minutes, unmutes with 0, removes a member', () => {
    expect(encode(actionBody('7', { kind: 'mute', member: alex, minutes: 5 }, cite, null))).toMatchObject({
      case: 'muteMember',
      value: { roomId: 7n, userId: 12n, durationSeconds: 300, citation: { groundRule: 1 } },
    });
    expect(encode(actionBody('7', { kind: 'unmute', member: alex }, cite, null))).toMatchObject({
      case: 'muteMember',
      value: { userId: 12n, durationSeconds: 0 },
    });
    expect(encode(actionBody('7', { kind: 'remove-member', member: alex }, cite, null))).toMatchObject({
      case: 'removeMember',
      value: { roomId: 7n, userId: 12n, citation: { groundRule: 1, reason: 'name-calling' } },
    });
  });

  it('a lock keeps slow mode, a slow-mode change keeps the lock', () => {
    const now = { locked: true, slowModeSeconds: 30, groundRule: 0, by: null };
    expect(encode(actionBody('7', { kind: 'lock', locked: false }, cite, now))).toMatchObject({
      case: 'setRoomControls',
      value: { roomId: 7n, locked: false, slowModeSeconds: 30 },
    });
    expect(encode(actionBody('7', { kind: 'slow-mode', seconds: 120 }, cite, now))).toMatchObject({
      case: 'setRoomControls',
      value: { locked: true, slowModeSeconds: 120 },
    });
    expect(encode(actionBody('7', { kind: 'lock', locked: true }, cite, null))).toMatchObject({
      value: { locked: true, slowModeSeconds: 0 },
    });
  });

  it('maps the controls and the member list (mutes into this browser’s clock)', () => {
    const f = decodeServerFrame(
      toBinary(
        ServerFrameSchema,
        create(ServerFrameSchema, {
          body: {
            case: 'members',
            value: { roomId: 7n, members: [{ member: { userId: 12n, displayName: 'Blue Heron', role: Role.STUDENT }, present: true, mutedUntilMs: 10_000n }] },
          },
        }),
      ),
    );
    if (f.body.case !== 'members') throw new Error('not a MemberList');
    expect(toMemberInfo(f.body.value.members[0], (ms) => ms - 4_000)).toEqual({
      member: { userId: '12', displayName: 'Blue Heron', role: Role.STUDENT },
      present: true,
      mutedUntilMs: 6_000,
    });
    expect(toControls(undefined)).toBeNull();
    expect(
      toControls(
        create(RoomControlsSchema, {
          roomId: 7n,
          locked: true,
          slowModeSeconds: 10,
          groundRule: 2,
          by: { userId: 6n, displayName: 'Ms. Rivera', role: Role.FACILITATOR },
        }),
      ),
    ).toEqual({ locked: true, slowModeSeconds: 10, groundRule: 2, by: { userId: '6', displayName: 'Ms. Rivera', role: Role.FACILITATOR } });
  });

  it('describes the new errors by code', () => {
    expect(describeError(ErrorCode.ROOM_LOCKED)).toMatch(/read-only/);
    expect(describeError(ErrorCode.MUTED, 5 * 60_000)).toMatch(/paused your messages for 5 minutes/);
    expect(describeError(ErrorCode.MUTED, 45_000)).toMatch(/for 45 seconds/);
    expect(describeError(ErrorCode.MUTED)).toMatch(/paused your messages for now/);
    expect(describeError(ErrorCode.MESSAGE_NOT_FOUND)).toMatch(/isn't in the room any more/);
    expect(waitText(90 * 60_000)).toBe('1 hour 30 minutes');
    expect(describeSlowMode(9_500)).toBe('Slow mode is on: you can send again in 10 s.');
    expect(describeActionError(ErrorCode.FORBIDDEN)).toMatch(/only to students/);
    expect(describeActionError(ErrorCode.MESSAGE_NOT_FOUND)).toMatch(/isn't in the room any more/);
    expect(describeActionError(ErrorCode.UNKNOWN_FRAME)).toMatch(/doesn't support facilitator actions/);
    expect(describeActionError(ErrorCode.OVERLOADED, 2000)).toMatch(/^That wasn't done\. Circles is very busy/);
  });

  it('maps an Escalation, its times through the clock offset; unset stays 0 or empty', () => {
    const w = create(EscalationSchema, {
      escalationId: 41n,
      roomId: 7n,
      roomName: 'Lunch Bunch',
      categories: ['self_harm'],
      source: EscalationSource.RISK_RULE,
      createdAtMs: 10_000n,
      deadlineMs: 310_000n,
      pageLevel: 1,
      state: EscalationState.OPEN,
      text: 'i want to kill myself',
      sender: { userId: 1n, displayName: 'Blue Heron', role: Role.STUDENT },
    });
    expect(toEscalation(w, (ms) => ms - 1000)).toEqual({
      escalationId: '41',
      roomId: '7',
      roomName: 'Lunch Bunch',
      categories: ['self_harm'],
      source: EscalationSource.RISK_RULE,
      createdAtMs: 9_000,
      deadlineMs: 309_000,
      pageLevel: 1,
      state: EscalationState.OPEN,
      acknowledgedBy: '',
      acknowledgedAtMs: 0,
      text: 'i want to kill myself',
      sender: { userId: '1', displayName: 'Blue Heron', role: Role.STUDENT },
    });
    const redacted = toEscalation(create(EscalationSchema, { escalationId: 42n, acknowledgedBy: 8n, acknowledgedAtMs: 5n }));
    expect(redacted).toMatchObject({ text: '', sender: null, acknowledgedBy: '8', acknowledgedAtMs: 5, deadlineMs: 0 });
    expect(describeEscalationError(ErrorCode.ESCALATION_NOT_FOUND)).toMatch(/isn't there any more/);
    expect(describeEscalationError(ErrorCode.FORBIDDEN)).toMatch(/counselors/);
  });
});
