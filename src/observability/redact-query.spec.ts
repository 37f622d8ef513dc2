import { redactQuery } from './redact-query';

describe(redactQuery.name, () => {
  it.each([
    ['/x?access_token=abc&limit=3', '/x?access_token=[redacted]&limit=3'],
    ['/x?token=abc', '/x?token=[redacted]'],
    ['/x?APIKEY=abc&api_key=def&secret=ghi&key=jkl', '/x?APIKEY=[redacted]&api_key=[redacted]&secret=[redacted]&key=[redacted]'],
    ['/x?user[access_token]=abc&a[b][c][token]=def', '/x?user[access_token]=[redacted]&a[b][c][token]=[redacted]'],
    ['/x?user%5Bapi_key%5D=abc&a.secret=def', '/x?user%5Bapi_key%5D=[redacted]&a.secret=[redacted]'],
    ['/x?%74oken=abc', '/x?%74oken=[redacted]'],
    ['/x?token', '/x?token=[redacted]'],
    ['/x?q=token&tokens=1&monkey=2', '/x?q=token&tokens=1&monkey=2'],
    ['/health/live', '/health/live'],
    ['/x?resolution=D&start_date=2026-11-02&end_date=2026-11-06', '/x?resolution=D&start_date=2026-11-02&end_date=2026-11-06'],
    ['/x?a=1&Token=abc&b', '/x?a=1&Token=[redacted]&b'],
    ['/x?a=1&Key', '/x?a=1&Key=[redacted]'],
    ['/x?tokens=1&x_token=2&token_=3', '/x?tokens=1&x_token=2&token_=3'],
    ['/x?next=/cb?token=abc', '/x?next=%2Fcb%3Ftoken%3D%5Bredacted%5D'],
  ])('redacts %s', (url, expected) => {
    expect(redactQuery(url)).toBe(expected);
  });

  it('redacts query strings inside parameter values, at any depth it decodes', () => {
    const inner = `https://app.example/cb?next=${encodeURIComponent('/deep?api_key=k3')}&access_token=t2`;
    const url = `/x?redirect=${encodeURIComponent(inner)}&q=1`;
    let redacted = redactQuery(url);
    for (let i = 0; i < 3; i++) redacted = decodeURIComponent(redacted);
    expect(redacted).toContain('access_token=[redacted]');
    expect(redacted).toContain('api_key=[redacted]');
    expect(redacted).not.toMatch(/t2|k3/);
    expect(redactQuery(url)).toMatch(/&q=1$/);
  });

  it('keeps malformed percent-encoding as it is and still redacts around it', () => {
    expect(redactQuery('/x?q=%E0%A4%A&token=abc')).toBe('/x?q=%E0%A4%A&token=[redacted]');
  });
});
