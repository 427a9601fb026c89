import DBus
import Testing

@Suite struct DBusMatchRuleTests {
    @Test func theRuleListsTheSetFieldsInTheBusSyntax() {
        let rule = DBusMatchRule(
            sender: "org.bluez", pathNamespace: "/org/bluez", interface: "org.freedesktop.DBus.Properties",
            member: "PropertiesChanged", arguments: [0: "org.bluez.Device1"]
        )
        #expect(
            rule.description
                == "type='signal',sender='org.bluez',path_namespace='/org/bluez',"
                + "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',arg0='org.bluez.Device1'"
        )
        #expect(DBusMatchRule().description == "type='signal'")
    }

    @Test func quotesInValuesAreEscaped() {
        #expect(DBusMatchRule(arguments: [2: "it's"]).description == #"type='signal',arg2='it'\''s'"#)
    }
}
